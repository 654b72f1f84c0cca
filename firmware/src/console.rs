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

/// Prints `parts` and a newline, without the formatting machinery (it would cost
/// kilobytes of flash that the firmware example's budget does not have).
pub fn line(parts: &[&str]) {
    let Ok(mut out) = cortex_m_semihosting::hio::hstdout() else {
        return;
    };
    for part in parts {
        let _ = out.write_all(part.as_bytes());
    }
    let _ = out.write_all(b"\n");
}

/// `n` in decimal, in `buf` (a `u32`: a Cortex-M divides those in hardware).
pub fn decimal(n: u32, buf: &mut [u8; 10]) -> &str {
    let mut at = buf.len();
    let mut n = n;
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    core::str::from_utf8(&buf[at..]).unwrap_or("?")
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
    line(&["panic"]);
    exit(false)
}
