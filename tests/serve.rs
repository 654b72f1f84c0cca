//! `chittyid serve` as a process: it prints its address first, answers on loopback,
//! shuts down on SIGTERM, documents its profiles and faults, warns when it listens
//! beyond loopback, fronts an external minting back end, and (strict profile) loses no
//! ID a client received when it is killed with SIGKILL in the middle of a load.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chittyid::ChittyId;
use chittyid_test_support::http::{call, request, validate};
use chittyid_test_support::serve_process::Serving;

const CHITTYID: &str = env!("CARGO_BIN_EXE_chittyid");

fn temp_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("chittyid-serve-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn serve_answers_on_loopback_and_stops_on_sigterm() {
    let mut serving = Serving::start(CHITTYID, "t", &[]);
    let answer = call(serving.addr, "GET", "/health", &[], "");
    assert_eq!(answer.json()["status"], "ok");
    let status = Command::new("kill")
        .args(["-TERM", &serving.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let began = Instant::now();
    let exit = loop {
        if let Some(exit) = serving.child.try_wait().unwrap() {
            break exit;
        }
        assert!(began.elapsed() < Duration::from_secs(10), "did not stop");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(exit.success(), "{exit:?}");
}

#[test]
fn help_documents_every_fault_kind() {
    let out = Command::new(env!("CARGO_BIN_EXE_chittyid"))
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    // Every fault kind the service knows, from its own list, so that a new one
    // without help fails here.
    for kind in chittyid_server::FaultKind::ALL {
        assert!(
            help.contains(kind.name()),
            "{} missing from --help",
            kind.name()
        );
    }
    for kind in [
        "Idempotency-Key",
        "--latency",
        "--backend-latency",
        "--outage",
        "--seed",
        "--profile",
        "real",
        "strict",
        "behaves like id.chitty.cc",
        "--mint-backend",
        "/admin/faults",
    ] {
        assert!(help.contains(kind), "{kind} missing from --help");
    }
}

#[test]
fn a_kill_9_loses_no_id_a_client_received() {
    let dir = temp_dir("durable");
    let data = dir.to_str().unwrap();
    // The strict profile knows what it minted, so validation proves nothing was lost.
    let mut serving = Serving::start(CHITTYID, "t", &["--profile", "strict", "--data", data]);
    let addr = serving.addr;
    let received = Arc::new(Mutex::new(Vec::<ChittyId>::new()));
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let received = received.clone();
            std::thread::spawn(move || {
                let deadline = Instant::now() + Duration::from_secs(20);
                while Instant::now() < deadline {
                    match request(
                        addr,
                        "POST",
                        "/v1/mint",
                        &[("Authorization", "Bearer t")],
                        br#"{"entityType":"person"}"#,
                    ) {
                        Ok(Some(answer)) if answer.status == 200 => {
                            let id = answer.json()["chittyId"].as_str().unwrap().parse().unwrap();
                            received.lock().unwrap().push(id);
                        }
                        _ => return,
                    }
                }
            })
        })
        .collect();
    let began = Instant::now();
    while received.lock().unwrap().len() < 200 && began.elapsed() < Duration::from_secs(15) {
        std::thread::sleep(Duration::from_millis(5));
    }
    serving.child.kill().unwrap(); // SIGKILL
    serving.child.wait().unwrap();
    for client in clients {
        client.join().unwrap();
    }
    let received = received.lock().unwrap().clone();
    assert!(
        received.len() >= 50,
        "only {} mints before the kill",
        received.len()
    );

    let restarted = Serving::start(CHITTYID, "t", &["--profile", "strict", "--data", data]);
    for id in &received {
        let answer = validate(restarted.addr, &id.to_string());
        assert_eq!(answer.json()["valid"], true, "{id} was lost");
    }
    let highest = received.iter().map(|id| id.sequence()).max().unwrap();
    for _ in 0..20 {
        let answer = call(
            restarted.addr,
            "POST",
            "/v1/mint",
            &[("Authorization", "Bearer t")],
            r#"{"entityType":"person"}"#,
        );
        let id: ChittyId = answer.json()["chittyId"].as_str().unwrap().parse().unwrap();
        assert!(id.sequence() > highest, "sequence {} reused", id.sequence());
        assert!(!received.contains(&id));
    }
    drop(restarted);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn listening_beyond_loopback_prints_a_warning() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_chittyid"))
        .args(["serve", "--addr", "0.0.0.0:0", "--token", "t"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(
        first.starts_with("listening on http://0.0.0.0:"),
        "{first:?}"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(
        stderr.contains("warning") && stderr.contains("reachable from other machines"),
        "{stderr:?}"
    );
    let quiet = Command::new(env!("CARGO_BIN_EXE_chittyid"))
        .args(["serve", "--profile", "lax"])
        .output()
        .unwrap();
    assert!(!quiet.status.success(), "an unknown profile is refused");
}

#[test]
fn a_real_front_forwards_to_a_mint_backend_process() {
    let back = Serving::start(CHITTYID, "t", &["--profile", "mint"]);
    let front = Serving::start(CHITTYID, "unused", &["--mint-backend", &back.url()]);
    let answer = call(
        front.addr,
        "POST",
        "/v1/mint?region=3&jurisdiction=GBR",
        &[("Authorization", "Bearer t")],
        r#"{"entityType":"person"}"#,
    );
    let body = answer.json();
    assert_eq!(
        (answer.status, body["mintedBy"].as_str()),
        (200, Some("mint.chitty.cc")),
        "{body}"
    );
    let id: ChittyId = body["chittyId"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        (id.region().digit(), id.jurisdiction().as_str()),
        (3, "GBR")
    );
    // A back-end fault set on the front's command line.
    let faulty = Serving::start(
        CHITTYID,
        "unused",
        &["--mint-backend", &back.url(), "--fault", "backend-429=1"],
    );
    let body = call(
        faulty.addr,
        "GET",
        "/api/get-chittyid?type=thing",
        &[("Authorization", "Bearer t")],
        "",
    )
    .json();
    assert_eq!(body["errorCode"], "RATE_LIMITED", "{body}");
    // Validation is format-only in the default profile.
    assert_eq!(
        validate(front.addr, "03-1-USA-5537-P-2602-0-38").json()["valid"],
        true
    );
}
