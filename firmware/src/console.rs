//! Text to the host over semihosting (QEMU prints it on its standard output).

use core::fmt;

/// A `fmt::Write` to the host's standard output.
pub struct Console;

impl fmt::Write for Console {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        cortex_m_semihosting::hprint!("{}", s);
        Ok(())
    }
}

/// Ends the emulation with success or failure.
pub fn exit(pass: bool) -> ! {
    use cortex_m_semihosting::debug;
    debug::exit(if pass {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    loop {
        cortex_m::asm::wfi();
    }
}

/// Ends the emulation with failure on a panic, without formatting the message (the
/// formatting machinery would cost several KiB of flash).
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    cortex_m_semihosting::hprintln!("panic");
    exit(false)
}
