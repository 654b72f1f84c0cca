//! The CLI's online commands against `chittyid serve` over real sockets, and the demo.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use chittyid_test_support::serve_process::{Serving, closed_port_url};
use serde_json::Value;

const CHITTYID: &str = env!("CARGO_BIN_EXE_chittyid");

fn chittyid(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chittyid"))
        .args(args)
        .env_remove("CHITTYID_SERVICE_URL")
        .env_remove("CHITTY_ID_TOKEN")
        .output()
        .unwrap()
}

fn lines(output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn demo_runs_offline_quickly_and_exits_zero() {
    let began = Instant::now();
    let output = chittyid(&["demo"]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{text}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(began.elapsed() < Duration::from_secs(30));
    for expected in [
        "pending (MINT_UNAVAILABLE)",
        "from the cache",
        "malformed",
        "Closed → Open",
        "Open → HalfOpen",
        "HalfOpen → Closed",
        "every scene behaved",
    ] {
        assert!(text.contains(expected), "{expected:?} missing:\n{text}");
    }
}

#[test]
fn mint_many_with_a_summary_then_validate_them() {
    let serving = Serving::start(CHITTYID, "cli-token", &[]);
    let service = serving.url();
    let output = chittyid(&[
        "mint",
        "--type",
        "person",
        "--count",
        "20",
        "--concurrency",
        "4",
        "--json",
        "--service",
        &service,
        "--token",
        "cli-token",
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let records = lines(&output);
    assert_eq!(records.len(), 21);
    let summary = &records[20]["summary"];
    assert_eq!(
        (
            summary["requested"].clone(),
            summary["minted"].clone(),
            summary["failed"].clone()
        ),
        (20.into(), 20.into(), 0.into())
    );
    for key in [
        "pending",
        "attempts",
        "rejected_by_breaker",
        "p50_ms",
        "p99_ms",
    ] {
        assert!(!summary[key].is_null(), "{key}");
    }
    let ids: Vec<&str> = records[..20]
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let mut args = vec!["validate", "--json", "--service", &service];
    args.extend(&ids);
    args.push("03-1-USA-5537-P-2602-0-39");
    let output = chittyid(&args);
    assert_eq!(
        output.status.code(),
        Some(1),
        "the malformed ID is not valid"
    );
    let verdicts = lines(&output);
    for (verdict, id) in verdicts[..20].iter().zip(&ids) {
        assert_eq!(
            verdict,
            &serde_json::json!({
                "id": id, "valid": true, "kind": "canonical",
                "source": "service", "authoritative": true,
            })
        );
    }
    assert_eq!(verdicts[20]["valid"], false);
    assert_eq!(verdicts[20]["kind"], "checksum_mismatch");
    assert_eq!(verdicts[20]["source"], "local");
    assert_eq!(verdicts[20]["authoritative"], false);
    assert_eq!(verdicts[20]["error"]["code"], "checksum_mismatch");
}

#[test]
fn mint_count_keeps_to_the_rate_limit_and_a_mint_that_cannot_wait_fails_at_once() {
    let serving = Serving::start(CHITTYID, "cli-token", &[]);
    let service = serving.url();
    let mint = |extra: &[&str]| {
        let mut args = vec![
            "mint",
            "--type",
            "thing",
            "--json",
            "--service",
            &service,
            "--token",
            "cli-token",
        ];
        args.extend(extra);
        let output = chittyid(&args);
        let records = lines(&output);
        (output, records)
    };
    // Twelve at once with the default rate (10 at once, then one per 100 ms): the last
    // ones wait their turn, and all are minted.
    let (output, records) = mint(&["--count", "12", "--concurrency", "12"]);
    assert_eq!(output.status.code(), Some(0));
    let summary = &records[12]["summary"];
    assert_eq!(summary["minted"], 12);
    assert!(
        summary["rate_limit_waits"].as_u64().unwrap() >= 1,
        "{summary}"
    );
    // With the limit off, nothing waits.
    let (_, records) = mint(&["--count", "12", "--concurrency", "12", "--rate", "off"]);
    assert_eq!(records[12]["summary"]["rate_limit_waits"], 0);
    // One a minute: the second and third would wait past the 30 s deadline, so they
    // fail at once with their own error, and nothing is sent for them.
    let (output, records) = mint(&["--count", "3", "--rate", "1/min"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(records[0]["kind"], "minted");
    for record in &records[1..3] {
        assert_eq!(record["code"], "throttled", "{record}");
        assert!(record["error"].as_str().unwrap().contains("--rate"));
    }
    let summary = &records[3]["summary"];
    assert_eq!(
        (summary["minted"].clone(), summary["throttled"].clone()),
        (1.into(), 2.into())
    );
    assert_eq!(summary["attempts"], 1);
    // A rate that is not one is refused with the forms it takes.
    let output = chittyid(&[
        "mint",
        "--type",
        "thing",
        "--rate",
        "fast",
        "--service",
        &service,
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("N/sec, N/min, N/hour or off"));
}

#[test]
fn without_a_token_mint_is_refused_and_says_how_to_fix_it() {
    let serving = Serving::start(CHITTYID, "cli-token", &[]);
    let service = serving.url();
    let output = chittyid(&["mint", "--type", "place", "--service", &service]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("CHITTY_ID_TOKEN"));
}

#[test]
fn an_unreachable_service_gives_a_local_only_verdict_not_a_valid_one() {
    let url = closed_port_url();
    let output = chittyid(&[
        "validate",
        "--json",
        "--service",
        &url,
        "03-1-USA-5537-P-2602-0-38",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let verdict = &lines(&output)[0];
    assert_eq!(
        (
            verdict["valid"].clone(),
            verdict["kind"].clone(),
            verdict["source"].clone(),
            verdict["authoritative"].clone()
        ),
        (
            false.into(),
            "canonical".into(),
            "local".into(),
            false.into()
        )
    );
    assert!(
        verdict["unanswered"]
            .as_str()
            .unwrap()
            .ends_with("refused the connection"),
        "{verdict}"
    );
    let health = chittyid(&["health", "--json", "--service", &url]);
    assert_eq!(health.status.code(), Some(1));
    assert_eq!(lines(&health)[0]["healthy"], false);
}

#[test]
fn health_reports_the_service() {
    let serving = Serving::start(CHITTYID, "cli-token", &[]);
    let service = serving.url();
    let output = chittyid(&["health", "--json", "--service", &service]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(lines(&output)[0]["healthy"], true);
}

#[test]
fn the_token_never_shows_in_the_output_of_a_failing_run() {
    let url = closed_port_url();
    let secret = "cli-secret-0a1b2c3d4e5f";
    let output = chittyid(&[
        "mint",
        "--type",
        "person",
        "--json",
        "--service",
        &url,
        "--token",
        secret,
    ]);
    assert_eq!(output.status.code(), Some(1));
    let everything = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(everything.contains("summary"), "{everything}");
    assert!(!everything.contains(secret), "{everything}");
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("output is UTF-8")
}

/// `record` without the fields that `validate` adds to `check`'s.
fn as_check_record(mut record: Value) -> Value {
    let fields = record.as_object_mut().unwrap();
    fields.remove("source");
    fields.remove("authoritative");
    record
}

#[test]
fn validate_json_is_check_json_with_the_service_fields() {
    let serving = Serving::start(CHITTYID, "cli-token", &[]);
    let service = serving.url();
    let id = "03-1-USA-5537-P-2602-0-38";
    let output = chittyid(&["validate", "--json", "--service", &service, id, id]);
    assert_eq!(output.status.code(), Some(0));
    let verdict = |source| {
        serde_json::json!({
            "id": id, "valid": true, "kind": "canonical", "source": source, "authoritative": true,
        })
    };
    assert_eq!(lines(&output), [verdict("service"), verdict("cache")]);
    for bad in [
        "03-1-USA-5537-P-2602-0-39",
        "03-1-usa-5537-P-2602-0-38",
        "CHITTY-X",
    ] {
        let validated = lines(&chittyid(&[
            "validate",
            "--json",
            "--service",
            &service,
            bad,
        ]));
        assert_eq!(validated[0]["source"], "local");
        assert_eq!(validated[0]["authoritative"], false);
        let checked = lines(&chittyid(&["check", "--json", bad]));
        assert_eq!(as_check_record(validated[0].clone()), checked[0], "{bad}");
    }
}

#[test]
fn empty_and_overlong_lines_are_judged_as_check_judges_them() {
    let dir = std::env::temp_dir().join(format!("chittyid-cli-online-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("lines.txt");
    let mut input = b"\n".to_vec();
    input.extend(std::iter::repeat_n(b'7', 3 << 20));
    input.extend_from_slice(b"\n\r\n03-1-USA-5537-P-2602-0-39\n");
    std::fs::write(&path, &input).unwrap();
    let path = path.to_str().unwrap();
    let url = closed_port_url();

    let checked = chittyid(&["check", "--file", path]);
    let validated = chittyid(&["validate", "--file", path, "--service", &url]);
    assert_eq!(validated.status.code(), Some(1));
    assert_eq!(text(&validated.stdout), text(&checked.stdout));
    assert_eq!(text(&validated.stderr), "", "the service is not asked");

    let checked = lines(&chittyid(&["check", "--json", "--file", path]));
    let validated = lines(&chittyid(&[
        "validate",
        "--json",
        "--file",
        path,
        "--service",
        &url,
    ]));
    let kinds: Vec<&Value> = validated.iter().map(|v| &v["kind"]).collect();
    assert_eq!(
        kinds,
        ["empty", "line_too_long", "empty", "checksum_mismatch"]
    );
    assert_eq!(validated.len(), checked.len());
    for (validated, checked) in validated.into_iter().zip(checked) {
        assert_eq!(
            (
                validated["source"].clone(),
                validated["authoritative"].clone()
            ),
            ("local".into(), false.into())
        );
        assert_eq!(as_check_record(validated), checked);
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn validate_streams_standard_input_line_by_line() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::Stdio;

    let serving = Serving::start(CHITTYID, "cli-token", &[]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_chittyid"))
        .args([
            "validate",
            "--json",
            "--file",
            "-",
            "--service",
            &serving.url(),
        ])
        .env_remove("CHITTYID_SERVICE_URL")
        .env_remove("CHITTY_ID_TOKEN")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let (sender, verdicts) = std::sync::mpsc::channel();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let reader = std::thread::spawn(move || {
        for line in stdout.lines() {
            let _ = sender.send(line.unwrap());
        }
    });
    // Each verdict must come while standard input is still open.
    for id in ["03-1-USA-5537-P-2602-0-38", "03-1-USA-5537-P-2602-0-39"] {
        writeln!(stdin, "{id}").unwrap();
        stdin.flush().unwrap();
        let verdict = verdicts
            .recv_timeout(Duration::from_secs(20))
            .expect("a verdict before the end of the input");
        let verdict: Value = serde_json::from_str(&verdict).unwrap();
        assert_eq!(verdict["id"], id);
    }
    drop(stdin);
    assert_eq!(child.wait().unwrap().code(), Some(1));
    reader.join().unwrap();
}

/// The one error line of a failed run, split around the client's account of its
/// attempts ("1 attempt failed: ", "N attempts failed, the last: "), whose count is the
/// retry policy's business.
fn error_line(output: &Output) -> (String, String) {
    let errors = text(&output.stderr);
    assert_eq!(errors.lines().count(), 1, "{errors}");
    let (before, after) = errors
        .split_once(" attempts failed, the last: ")
        .or_else(|| errors.split_once(" attempt failed: "))
        .unwrap_or_else(|| panic!("{errors}"));
    let before = before.trim_end_matches(|c: char| c.is_ascii_digit());
    (before.to_string(), after.to_string())
}

#[test]
fn connection_failures_say_which_step_failed() {
    // TLS: an https URL for a service that speaks plain HTTP.
    let serving = Serving::start(CHITTYID, "cli-token", &[]);
    let https = format!("https://{}", serving.addr);
    let id = "03-1-USA-5537-P-2602-0-38";
    let output = chittyid(&["validate", "--service", &https, id]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        text(&output.stdout),
        format!(
            "? {id}  local check only: well formed (canonical); not confirmed by the service\n"
        )
    );
    assert_eq!(
        error_line(&output),
        (
            format!("error: {https}: "),
            format!(
                "the request was not sent (no connection); the TLS handshake with 127.0.0.1 \
                 failed (a TCP connection to {} works): its certificate is not trusted (see \
                 --ca), or it does not speak HTTPS\n",
                serving.addr
            )
        )
    );

    // A name that does not resolve.
    let nowhere = "http://no-such-host.invalid";
    let output = chittyid(&["health", "--service", nowhere]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(text(&output.stdout), "");
    let (before, after) = error_line(&output);
    assert_eq!(
        before,
        "error: http://no-such-host.invalid: service unavailable: "
    );
    assert!(
        after.starts_with(
            "the request was not sent (no connection); the name no-such-host.invalid does \
             not resolve ("
        ) && after.ends_with(")\n"),
        "{after}"
    );

    // Nothing listening.
    let closed = closed_port_url();
    let output = chittyid(&["health", "--service", &closed]);
    assert_eq!(
        error_line(&output),
        (
            format!("error: {closed}: service unavailable: "),
            format!(
                "the request was not sent (no connection); {} refused the connection\n",
                closed.trim_start_matches("http://")
            )
        )
    );
}

#[test]
fn failures_of_online_commands_go_to_standard_error_in_text_mode() {
    let closed = closed_port_url();
    let health = chittyid(&["health", "--service", &closed]);
    assert_eq!(health.status.code(), Some(1));
    assert_eq!(text(&health.stdout), "");
    assert!(text(&health.stderr).starts_with(&format!("error: {closed}: ")));

    let ids = ["03-1-USA-5537-P-2602-0-38", "03-1-USA-7165-T-2602-0-13"];
    let validate = chittyid(&["validate", "--service", &closed, ids[0], ids[1]]);
    assert_eq!(validate.status.code(), Some(1));
    assert_eq!(
        text(&validate.stdout),
        ids.map(|id| {
            format!(
                "? {id}  local check only: well formed (canonical); not confirmed by the \
                 service\n"
            )
        })
        .concat()
    );
    let errors = text(&validate.stderr);
    assert!(
        errors.lines().count() >= 1
            && errors
                .lines()
                .all(|l| l.starts_with(&format!("error: {closed}: "))),
        "{errors}"
    );

    let mint = chittyid(&["mint", "--type", "person", "--service", &closed]);
    assert_eq!(mint.status.code(), Some(1));
    let (out, errors) = (text(&mint.stdout), text(&mint.stderr));
    assert!(
        out.starts_with("0 minted, 0 pending, 1 failed of 1"),
        "only the summary on standard output: {out}"
    );
    assert!(errors.contains("not sent"), "{errors}");
}

/// The `n`-th of many distinct well-formed IDs.
fn distinct_id(n: u32) -> String {
    let body = format!("03-1-USA-{:04}-T-2611-0", n);
    let check = chittyid::checksum::compute(&body).unwrap();
    format!("{body}-{check:02}")
}

#[test]
fn with_no_flags_validate_under_thirty_percent_resets_is_authoritative_for_99_percent() {
    let serving = Serving::start(
        CHITTYID,
        "cli-token",
        &["--fault", "reset=0.3", "--seed", "5"],
    );
    let service = serving.url();
    let ids: Vec<String> = (0..400).map(distinct_id).collect();
    let mut args = vec!["validate", "--json", "--service", &service];
    args.extend(ids.iter().map(String::as_str));
    let output = chittyid(&args);
    let verdicts = lines(&output);
    assert_eq!(verdicts.len(), 400);
    let authoritative = verdicts
        .iter()
        .filter(|v| v["authoritative"] == true && v["valid"] == true)
        .count();
    assert!(authoritative >= 396, "{authoritative} of 400 authoritative");
}

#[test]
fn with_no_flags_mint_under_thirty_percent_resets_from_a_service_that_honours_keys() {
    // The strict profile honours keys and says so; the CLI learns it and resends the
    // mints whose answers were lost, with their keys.
    let serving = Serving::start(
        CHITTYID,
        "cli-token",
        &["--profile", "strict", "--fault", "reset=0.3", "--seed", "5"],
    );
    let service = serving.url();
    let output = chittyid(&[
        "mint",
        "--type",
        "thing",
        "--count",
        "100",
        "--json",
        "--service",
        &service,
        "--token",
        "cli-token",
    ]);
    let records = lines(&output);
    let summary = &records.last().unwrap()["summary"];
    let minted = summary["minted"].as_u64().unwrap();
    assert!(minted >= 99, "{summary}");
    let mut ids: Vec<&str> = records.iter().filter_map(|r| r["id"].as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len() as u64, minted, "no duplicates");
}

#[test]
fn with_no_flags_mint_under_thirty_percent_resets_from_a_service_that_ignores_keys() {
    // As id.chitty.cc: a mint whose answer was lost is reported, never sent again.
    let serving = Serving::start(
        CHITTYID,
        "cli-token",
        &["--fault", "reset=0.3", "--seed", "5"],
    );
    let service = serving.url();
    let output = chittyid(&[
        "mint",
        "--type",
        "thing",
        "--count",
        "100",
        "--json",
        "--service",
        &service,
        "--token",
        "cli-token",
    ]);
    assert_eq!(output.status.code(), Some(1), "not every ID came back");
    let records = lines(&output);
    let summary = &records.last().unwrap()["summary"];
    assert_eq!(summary["attempts"], 100, "one request per mint: {summary}");
    let unknown = records
        .iter()
        .filter(|r| r["code"] == "outcome_unknown")
        .count() as u64;
    assert!(unknown > 0);
    assert_eq!(
        summary["minted"].as_u64().unwrap() + unknown,
        100,
        "{summary}"
    );
}
