//! What the firmware images share: semihosting output, a SysTick time driver for
//! embassy-time, and the example's scripted ID service.
#![no_std]
#![allow(async_fn_in_trait)]

pub mod console;
pub mod scripted;
pub mod systick;
