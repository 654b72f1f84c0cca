//! The mint journal under `kill -9`: `chittyid mint --count N --journal PATH` is killed
//! at random moments (a seeded generator, bounded sleeps) while it mints from
//! `chittyid serve --profile strict` over real sockets; after each kill `journal
//! verify` passes (a torn tail allowed), and `journal show --json` has every ID the
//! client printed, no damaged record, and every mint with no outcome that settles it
//! listed as unresolved. The next run resolves them by resending with their keys.

#![cfg(unix)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use chittyid_test_support::serve_process::Serving;
use serde_json::Value;

const CHITTYID: &str = env!("CARGO_BIN_EXE_chittyid");
const TOKEN: &str = "journal-token";

/// splitmix64: the kill moments, reproducible from the seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n
    }
}

fn chittyid(args: &[&str]) -> Output {
    Command::new(CHITTYID)
        .args(args)
        .env_remove("CHITTYID_SERVICE_URL")
        .env_remove("CHITTY_ID_TOKEN")
        .output()
        .unwrap()
}

fn temp_journal(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("chittyid-{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("mints.journal")
}

fn mint_args<'a>(
    service: &'a str,
    journal: &'a str,
    count: &'a str,
    conc: &'a str,
) -> Vec<&'a str> {
    vec![
        "mint",
        "--type",
        "person",
        "--count",
        count,
        "--concurrency",
        conc,
        "--json",
        "--journal",
        journal,
        "--service",
        service,
        "--token",
        TOKEN,
    ]
}

/// The IDs in complete JSON lines (a line cut by the kill is not one).
fn printed_ids(stdout: &[u8]) -> Vec<String> {
    let complete = match stdout.iter().rposition(|&b| b == b'\n') {
        Some(end) => &stdout[..=end],
        None => &[][..],
    };
    String::from_utf8_lossy(complete)
        .lines()
        .filter_map(|line| {
            let value: Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
            value["id"].as_str().map(str::to_string)
        })
        .collect()
}

/// Appends the first `bytes` bytes of the record that belongs after the journal's last
/// one, as a write cut by a crash leaves it; `false` (nothing done) when the journal
/// already ends in a torn record.
fn tear(journal: &Path, bytes: usize) -> bool {
    let text = std::fs::read_to_string(journal).unwrap();
    if !text.ends_with('\n') {
        return false;
    }
    let last = text.trim_end().rsplit('\n').next().unwrap();
    let seq: u64 = last["seq=".len()..last.find(' ').unwrap()].parse().unwrap();
    let crc = last.rsplit("crc=").next().unwrap();
    let next = format!(
        "seq={} prev={crc} at=1796223672298 kind=sent mint={} entity=P region=- jurisdiction=- trust=- key=- resend=0 crc=00000000",
        seq + 1,
        seq + 1
    );
    let cut = &next[..bytes.min(next.len() - 1)];
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(journal)
        .unwrap();
    std::io::Write::write_all(&mut file, cut.as_bytes()).unwrap();
    true
}

/// What `journal show --json` says, checked against the records it lists: no damage,
/// and exactly the mints without a settling outcome listed as unresolved. Returns the
/// IDs in outcome records (by mint) and the unresolved mints.
fn check_show(journal: &Path) -> (BTreeMap<u64, BTreeSet<String>>, Vec<u64>) {
    let path = journal.to_str().unwrap();
    let output = chittyid(&["journal", "show", path, "--json"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let show: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(show["intact"], true, "{}", show["damage"]);
    assert!(show["damage"].is_null());
    let mut sent = BTreeSet::new();
    let mut settled = BTreeSet::new();
    let mut ids: BTreeMap<u64, BTreeSet<String>> = BTreeMap::new();
    for (i, record) in show["records"].as_array().unwrap().iter().enumerate() {
        assert_eq!(record["seq"], i as u64);
        let mint = record["mint"].as_u64();
        match record["kind"].as_str().unwrap() {
            "open" => {}
            "sent" => {
                assert!(
                    !record["idempotency_key"].is_null(),
                    "every mint carries a key"
                );
                sent.insert(mint.unwrap());
            }
            "outcome" => {
                let mint = mint.unwrap();
                assert!(sent.contains(&mint), "outcome of a mint never sent");
                if record["resolves"] == true {
                    settled.insert(mint);
                }
                if let Some(id) = record["outcome"]["id"].as_str() {
                    ids.entry(mint).or_default().insert(id.to_string());
                }
            }
            other => panic!("record kind {other}"),
        }
    }
    let unresolved: Vec<u64> = show["unresolved"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["mint"].as_u64().unwrap())
        .collect();
    let expected: Vec<u64> = sent.difference(&settled).copied().collect();
    assert_eq!(unresolved, expected, "every unsettled mint is listed");
    (ids, unresolved)
}

#[test]
fn the_journal_survives_kill_9_in_a_loop() {
    let serving = Serving::start(
        CHITTYID,
        TOKEN,
        &["--profile", "strict", "--latency", "5:20", "--seed", "7"],
    );
    let service = serving.url();
    let journal = temp_journal("journal-kill");
    let path = journal.to_str().unwrap();
    // A whole run first, so that the journal exists before the first kill.
    let first = chittyid(&mint_args(&service, path, "2", "1"));
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let mut printed: BTreeSet<String> = printed_ids(&first.stdout).into_iter().collect();
    assert_eq!(printed.len(), 2);

    let mut rng = Rng(0x5EED_0F15);
    let began = Instant::now();
    let (mut kills, mut rounds, mut torn, mut with_unresolved, mut tears) = (0, 0, 0, 0, 0);
    while kills < 24 && rounds < 60 && began.elapsed() < Duration::from_secs(50) {
        rounds += 1;
        let concurrency = (1 + rng.below(4)).to_string();
        let mut child = Command::new(CHITTYID)
            .args(mint_args(&service, path, "400", &concurrency))
            .env_remove("CHITTYID_SERVICE_URL")
            .env_remove("CHITTY_ID_TOKEN")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let reader = std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = stdout.read_until(0, &mut bytes);
            bytes
        });
        // Early moments (opening the journal, resolving, the first mints) as often as
        // later ones.
        let sleep = if rng.below(2) == 0 {
            rng.below(60)
        } else {
            rng.below(400)
        };
        std::thread::sleep(Duration::from_millis(sleep));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        child.wait().unwrap();
        let stdout = reader.join().unwrap();
        printed.extend(printed_ids(&stdout));

        // Now and then, what a write cut by the crash leaves: the start of the next
        // record, no newline (a whole write is rarely cut by a kill on Linux).
        let tore = rng.below(4) == 0 && tear(&journal, 1 + rng.below(80) as usize);
        tears += u64::from(tore);
        let verify = chittyid(&["journal", "verify", path]);
        let said = String::from_utf8_lossy(&verify.stdout).to_string();
        assert_eq!(verify.status.code(), Some(0), "round {rounds}: {said}");
        if said.contains("torn tail") {
            torn += 1;
        }
        assert!(
            !tore || said.contains("torn tail"),
            "round {rounds}: {said}"
        );
        let (ids, unresolved) = check_show(&journal);
        if !unresolved.is_empty() {
            with_unresolved += 1;
        }
        let journaled: BTreeSet<&String> = ids.values().flatten().collect();
        for id in &printed {
            assert!(
                journaled.contains(id),
                "round {rounds}: {id} was printed but is not in the journal"
            );
        }
    }
    assert!(kills >= 20, "{kills} kills in {rounds} rounds");

    // A run to the end resolves every mint the kills left unanswered: the strict
    // service honours keys, so each resend gets the ID of the first send, if any.
    let last = chittyid(&mint_args(&service, path, "1", "1"));
    assert_eq!(
        last.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&last.stderr)
    );
    printed.extend(printed_ids(&last.stdout));
    let (ids, unresolved) = check_show(&journal);
    assert_eq!(unresolved, Vec::<u64>::new(), "all resolved");
    // Each torn tail was cut off by the next run to open the journal, and noted.
    let show: Value =
        serde_json::from_slice(&chittyid(&["journal", "show", "--json", path]).stdout).unwrap();
    let repairs = show["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "open" && r["torn_bytes"].as_u64() > Some(0))
        .count();
    assert!(tears > 0 && repairs > 0, "{tears} tears, {repairs} repairs");
    assert!(repairs as u64 <= tears);
    // One ID per mint, however often it was sent, and no ID for two mints.
    let mut owners = BTreeMap::new();
    for (mint, set) in &ids {
        assert_eq!(set.len(), 1, "mint {mint} got {set:?}");
        let id = set.iter().next().unwrap();
        assert_eq!(owners.insert(id.clone(), *mint), None, "{id} minted twice");
    }
    let journaled: BTreeSet<&String> = ids.values().flatten().collect();
    assert!(printed.iter().all(|id| journaled.contains(id)));
    eprintln!(
        "{kills} kills in {rounds} rounds, {:.1} s: {} rounds left unresolved mints, {torn} torn tails ({tears} made), {} IDs printed, {} mints journaled",
        began.elapsed().as_secs_f64(),
        with_unresolved,
        printed.len(),
        ids.len()
    );
    assert!(
        with_unresolved > 0,
        "no kill landed while a mint was in flight"
    );
    let _ = std::fs::remove_dir_all(journal.parent().unwrap());
}

#[test]
fn verify_names_the_first_damaged_record_and_show_the_unresolved_mints() {
    let serving = Serving::start(CHITTYID, TOKEN, &["--profile", "strict"]);
    let service = serving.url();
    let journal = temp_journal("journal-verify");
    let path = journal.to_str().unwrap();
    let run = chittyid(&mint_args(&service, path, "3", "1"));
    assert_eq!(run.status.code(), Some(0));
    let verify = chittyid(&["journal", "verify", path]);
    assert_eq!(verify.status.code(), Some(0));
    let said = String::from_utf8_lossy(&verify.stdout).to_string();
    assert!(said.starts_with("intact: 7 records, head "), "{said}");
    let head = said
        .lines()
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .to_string();

    let good = std::fs::read(&journal).unwrap();
    // A torn tail: allowed, reported; refused with --strict.
    let mut torn = good.clone();
    torn.extend_from_slice(b"seq=7 prev=");
    std::fs::write(&journal, &torn).unwrap();
    let verify = chittyid(&["journal", "verify", path]);
    assert_eq!(verify.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&verify.stdout).contains("torn tail"));
    assert_eq!(
        chittyid(&["journal", "verify", "--strict", path])
            .status
            .code(),
        Some(1)
    );

    // A changed byte in record 4 (the second mint's outcome).
    let mut tampered = good.clone();
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(
            good.iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        )
        .collect();
    let at = line_starts[4] + 40;
    tampered[at] ^= 0x01;
    std::fs::write(&journal, &tampered).unwrap();
    let verify = chittyid(&["journal", "verify", path]);
    assert_eq!(verify.status.code(), Some(1));
    let said = String::from_utf8_lossy(&verify.stdout).to_string();
    assert!(
        said.starts_with("damaged: record 4 (line 5, byte "),
        "{said}"
    );
    let show = chittyid(&["journal", "show", "--json", path]);
    assert_eq!(show.status.code(), Some(1));
    let show: Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(show["damage"]["record"], 4);
    assert_eq!(show["records"].as_array().unwrap().len(), 4);
    // A damaged journal is not appended to.
    let refused = chittyid(&mint_args(&service, path, "1", "1"));
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("damaged at record 4"));

    // Cut at a record boundary: intact by itself, found with the head noted before.
    std::fs::write(&journal, &good[..line_starts[6]]).unwrap();
    assert_eq!(
        chittyid(&["journal", "verify", path]).status.code(),
        Some(0)
    );
    let verify = chittyid(&["journal", "verify", "--head", &head, path]);
    assert_eq!(verify.status.code(), Some(1));

    // The mint whose outcome was cut off is unresolved, and the next run resolves it
    // with the ID the service minted the first time.
    let show = chittyid(&["journal", "show", "--json", path]);
    let show: Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(show["unresolved"][0]["mint"], 5);
    let first_id = {
        let text = String::from_utf8_lossy(&run.stdout).to_string();
        let third: Value = serde_json::from_str(text.lines().nth(2).unwrap()).unwrap();
        third["id"].as_str().unwrap().to_string()
    };
    let again = chittyid(&mint_args(&service, path, "1", "1"));
    assert_eq!(again.status.code(), Some(0));
    let resolved: Value = serde_json::from_str(
        String::from_utf8_lossy(&again.stdout)
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(resolved["resolved_mint"], 5);
    assert_eq!(resolved["id"], first_id.as_str());
    let text = String::from_utf8_lossy(&chittyid(&["journal", "show", path]).stdout).to_string();
    assert!(text.contains("resend   mint 5"), "{text}");
    assert!(text.ends_with("0 unresolved mints\n"), "{text}");
    let _ = std::fs::remove_dir_all(journal.parent().unwrap());
}

#[test]
fn a_service_that_ignores_keys_leaves_unresolved_mints_alone() {
    // The default profile behaves like id.chitty.cc: keys are ignored, so a resend
    // would mint a second ID. The journal keeps the mint unresolved instead.
    let serving = Serving::start(CHITTYID, TOKEN, &[]);
    let service = serving.url();
    let journal = temp_journal("journal-real");
    let path = journal.to_str().unwrap();
    assert_eq!(
        chittyid(&mint_args(&service, path, "1", "1")).status.code(),
        Some(0)
    );
    // The outcome's record cut off: the mint is unresolved.
    let good = std::fs::read(&journal).unwrap();
    let last = good[..good.len() - 1]
        .iter()
        .rposition(|&b| b == b'\n')
        .unwrap();
    std::fs::write(&journal, &good[..=last]).unwrap();
    let again = chittyid(&mint_args(&service, path, "1", "1"));
    assert_eq!(again.status.code(), Some(0));
    let first: Value = serde_json::from_str(
        String::from_utf8_lossy(&again.stdout)
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(first["unresolved_mint"], 1, "{first}");
    assert_eq!(
        first["reason"],
        "the service does not honour idempotency keys"
    );
    let (_, unresolved) = check_show(&journal);
    assert_eq!(unresolved, [1]);
    let text = String::from_utf8_lossy(&chittyid(&["journal", "show", path]).stdout).to_string();
    assert!(!text.contains("resend"), "{text}");
    let _ = std::fs::remove_dir_all(journal.parent().unwrap());
}
