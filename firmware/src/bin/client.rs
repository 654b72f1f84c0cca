//! The firmware example: the embassy executor, the SysTick time driver and the
//! chittyid-embassy client with a 32-entry cache. QEMU has no network, so its connector
//! refuses every connection: the run shows retries with real timers, the breaker
//! opening, and validation falling back to an explicit local-only verdict.
#![no_std]
#![no_main]

use core::fmt::Write;

use chittyid::engine::{Endpoint, EngineConfig};
use chittyid::resilience::BreakerState;
use chittyid_embassy::{Buffers, Client, Connect, ConnectError, Validation};
use chittyid_firmware::console::{Console, exit};
use embassy_executor::Spawner;

/// A connection type for the example; never constructed here.
struct NoConnection;

impl embedded_io_async::ErrorType for NoConnection {
    type Error = embedded_io_async::ErrorKind;
}

impl embedded_io_async::Read for NoConnection {
    async fn read(&mut self, _: &mut [u8]) -> Result<usize, Self::Error> {
        Err(embedded_io_async::ErrorKind::NotConnected)
    }
}

impl embedded_io_async::Write for NoConnection {
    async fn write(&mut self, _: &[u8]) -> Result<usize, Self::Error> {
        Err(embedded_io_async::ErrorKind::NotConnected)
    }

    async fn flush(&mut self) -> Result<(), Self::Error> {
        Err(embedded_io_async::ErrorKind::NotConnected)
    }
}

/// A network with no route to the service.
struct Offline;

impl Connect for Offline {
    type Connection = NoConnection;

    async fn connect(&mut self) -> Result<NoConnection, ConnectError> {
        Err(ConnectError)
    }
}

#[embassy_executor::main]
async fn main(_spawner: Spawner) {
    let peripherals = cortex_m::Peripherals::take().expect("taken once");
    chittyid_firmware::systick::start(peripherals.SYST);
    let mut console = Console;
    let (mut request, mut response) = ([0u8; 512], [0u8; 1024]);
    // A real device passes its hardware RNG's output: the seed draws the idempotency
    // keys, which must differ between devices and boots. The emulated board has no RNG,
    // and this example never reaches a service, so a constant stands in.
    let seed = 0x00C0_FFEE;
    let mut client: Client<'_, Offline, 32> = Client::new(
        EngineConfig::default(),
        seed,
        Offline,
        "id.chitty.cc",
        None,
        Buffers {
            request: &mut request,
            response: &mut response,
        },
    );
    let started = embassy_time::Instant::now();
    let mut local_only = 0;
    for _ in 0..3 {
        if let Validation::LocalOnly { .. } = client.validate(b"03-1-USA-5537-P-2602-0-38").await {
            local_only += 1;
        }
    }
    let open = client.engine().breaker_state(Endpoint::Validate) == BreakerState::Open;
    let waited = started.elapsed().as_millis();
    let _ = writeln!(
        console,
        "client: {local_only} local-only verdicts, breaker open: {open}, {waited} ms of back-off"
    );
    exit(local_only == 3 && open && waited >= 100)
}
