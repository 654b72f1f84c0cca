//! What the firmware images share: semihosting output and a SysTick time driver for
//! embassy-time.
#![no_std]

pub mod console;
pub mod systick;
