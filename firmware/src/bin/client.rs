//! The firmware example: one chittyid-embassy client shared by two tasks, one that
//! validates and one that mints, while the runner task checks the service's health;
//! on the embassy executor with the SysTick time driver. The service is the scripted
//! one inside the image (see `scripted.rs` for why), and it has an outage mid-way: the
//! runner reports the health monitor's transitions through it and back, and each task
//! prints its verdicts. `cargo xtask qemu` checks the output.
#![no_std]
#![no_main]

use core::sync::atomic::Ordering;

use chittyid::wire::Request;
use chittyid_embassy::raw::ThreadModeRawMutex;
use chittyid_embassy::{
    Buffers, Client, EntityType, HealthState, MintAnswer, MintRequest, Resources, Runner, Settings,
    Validation,
};
use chittyid_firmware::console::{decimal, exit, line};
use chittyid_firmware::scripted::{DOWN, Network};
use embassy_executor::Spawner;
use embassy_sync::signal::Signal;
use embassy_time::{Duration, Instant, Timer};
use static_cell::StaticCell;

/// One thread-mode executor runs every task: the thread-mode mutex (no critical
/// section, and it may be put in a `static`) is the right kind.
type Mutex = ThreadModeRawMutex;
/// Validation answers cached.
const CACHE: usize = 8;
type FwClient = Client<'static, Mutex, CACHE>;
/// The host and token the example sends.
const HOST: &str = "id.chitty.cc";
const TOKEN: &str = "fw-token";
/// Each task's request buffer: the published maximum for this host and token.
const REQUEST: usize = Request::max_http1_len(HOST.len(), TOKEN.len());
/// Each task's answer buffer: the scripted service's answers are short.
const RESPONSE: usize = 256;

static RESOURCES: StaticCell<Resources<'static, Mutex, CACHE>> = StaticCell::new();
/// Each worker's count of good verdicts, reported to `main` once it is done.
static VALIDATED: Signal<Mutex, u32> = Signal::new();
static MINTED: Signal<Mutex, u32> = Signal::new();
/// The validator has validated during the outage.
static OUTAGE_CHECKED: Signal<Mutex, ()> = Signal::new();

/// The phases `main` moves the workers through.
static PHASE: Signal<Mutex, Phase> = Signal::new();

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Outage,
    Back,
}

/// IDs the validator checks: before, during and after the outage.
const IDS: [&str; 3] = [
    "03-1-USA-5537-P-2602-0-38",
    "03-1-USA-7165-T-2602-0-13",
    "03-1-USA-0001-E-2612-3-02",
];

/// A health state's name (without `Debug`'s formatting machinery).
fn name(state: HealthState) -> &'static str {
    match state {
        HealthState::Disconnected => "Disconnected",
        HealthState::Connecting => "Connecting",
        HealthState::Connected => "Connected",
        HealthState::Reconnecting => "Reconnecting",
        HealthState::Failed => "Failed",
    }
}

#[embassy_executor::task]
async fn runner(mut runner: Runner<'static, Mutex, CACHE>) {
    let (mut request, mut response) = ([0u8; REQUEST], [0u8; RESPONSE]);
    let mut buffers = Buffers {
        request: &mut request,
        response: &mut response,
    };
    let mut network = Network;
    loop {
        if let Some(moved) = runner.step(&mut network, &mut buffers).await {
            let (from, to) = (name(moved.from), name(moved.to));
            line(&["runner: health ", from, " -> ", to]);
        }
    }
}

/// Validates `id` and prints the verdict.
async fn check(client: FwClient, buffers: &mut Buffers<'_>, id: &str) -> Validation {
    let verdict = client.validate(&mut Network, buffers, id.as_bytes()).await;
    let said = match verdict {
        Validation::Authoritative { valid: true, .. } => "valid (the service)",
        Validation::LocalOnly { .. } => "local only (not reached)",
        _ => "unexpected",
    };
    line(&["validator: ", id, " ", said]);
    verdict
}

#[embassy_executor::task]
async fn validator(client: FwClient) {
    let (mut request, mut response) = ([0u8; REQUEST], [0u8; RESPONSE]);
    let mut buffers = Buffers {
        request: &mut request,
        response: &mut response,
    };
    let mut good = 0;
    if let Validation::Authoritative { valid: true, .. } = check(client, &mut buffers, IDS[0]).await
    {
        good += 1;
    }
    // The link is down: an explicit local-only verdict, never a silent "valid".
    while PHASE.wait().await != Phase::Outage {}
    if let Validation::LocalOnly { .. } = check(client, &mut buffers, IDS[1]).await {
        good += 1;
    }
    OUTAGE_CHECKED.signal(());
    while PHASE.wait().await != Phase::Back {}
    if let Validation::Authoritative { valid: true, .. } = check(client, &mut buffers, IDS[2]).await
    {
        good += 1;
    }
    VALIDATED.signal(good);
}

#[embassy_executor::task]
async fn minter(client: FwClient) {
    let (mut request, mut response) = ([0u8; REQUEST], [0u8; RESPONSE]);
    let mut buffers = Buffers {
        request: &mut request,
        response: &mut response,
    };
    let mut network = Network;
    let mut good = 0;
    for _ in 0..2 {
        let minted = client
            .mint(
                &mut network,
                &mut buffers,
                MintRequest::new(EntityType::Thing),
            )
            .await;
        match minted {
            Ok(MintAnswer::Minted(id)) => {
                good += 1;
                line(&["minter: minted ", id.to_buf().as_str()]);
            }
            Ok(MintAnswer::Pending { .. }) => {
                line(&["minter: pending, not final"]);
            }
            Err(_) => {
                line(&["minter: no ID"]);
            }
        }
    }
    MINTED.signal(good);
}

/// Waits (at most `limit`) until the health monitor is in `state`.
async fn health_becomes(client: FwClient, state: HealthState, limit: Duration) -> bool {
    let until = Instant::now() + limit;
    while client.health_state() != state {
        if Instant::now() > until {
            return false;
        }
        Timer::after_millis(50).await;
    }
    true
}

#[embassy_executor::main]
async fn main(spawner: Spawner) {
    let peripherals = cortex_m::Peripherals::take().expect("taken once");
    chittyid_firmware::systick::start(peripherals.SYST);
    // A real device passes its hardware RNG's output: the seed draws the idempotency
    // keys, which must differ between devices and boots. The emulated board has no
    // RNG; the scripted service ignores keys, so a constant stands in.
    let seed = 0x00C0_FFEE;
    let Ok(settings) = Settings::new(HOST).and_then(|settings| settings.with_token(TOKEN)) else {
        panic!("HOST or TOKEN cannot go in a request head");
    };
    let (client, runner_handle) =
        chittyid_embassy::new(settings, RESOURCES.init(Resources::new()), seed);
    spawner.spawn(runner(runner_handle).expect("one runner"));
    spawner.spawn(validator(client).expect("one validator"));
    spawner.spawn(minter(client).expect("one minter"));
    let minted = MINTED.wait().await;
    let connected = health_becomes(client, HealthState::Connected, Duration::from_secs(5)).await;
    DOWN.store(true, Ordering::SeqCst);
    PHASE.signal(Phase::Outage);
    OUTAGE_CHECKED.wait().await;
    let lost = health_becomes(client, HealthState::Reconnecting, Duration::from_secs(20)).await;
    DOWN.store(false, Ordering::SeqCst);
    let back = health_becomes(client, HealthState::Connected, Duration::from_secs(20)).await;
    PHASE.signal(Phase::Back);
    let validated = VALIDATED.wait().await;
    let (mut a, mut b) = ([0u8; 10], [0u8; 10]);
    line(&[
        "client: ",
        decimal(minted, &mut a),
        "/2 minted, ",
        decimal(validated, &mut b),
        "/3 verdicts as expected",
    ]);
    exit(minted == 2 && validated == 3 && connected && lost && back)
}
