//! End-to-end tests of the built `chittyid` binary: `check` and `parse` on arguments,
//! files and standard input, their output formats and exit statuses.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn chittyid(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chittyid"))
        .args(args)
        .output()
        .expect("the chittyid binary runs")
}

fn chittyid_with_stdin(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_chittyid"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the chittyid binary runs");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("output is UTF-8")
}

/// A file in a fresh temporary directory, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, contents: &[u8]) -> TempFile {
        let dir =
            std::env::temp_dir().join(format!("chittyid-cli-test-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, contents).unwrap();
        TempFile(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(self.0.parent().unwrap());
    }
}

fn vectors() -> Vec<Value> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/data/vectors.jsonl"
    ))
    .unwrap();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn json_output_agrees_with_every_vector_in_input_order() {
    let vectors = vectors();
    let mut input = Vec::new();
    for v in &vectors {
        input.extend_from_slice(v["id"].as_str().unwrap().as_bytes());
        input.push(b'\n');
    }
    let file = TempFile::new("ids.txt", &input);
    let output = chittyid(&["check", "--json", "--file", file.path()]);
    assert_eq!(output.status.code(), Some(1), "some vectors are invalid");
    let text = stdout(&output);
    let records: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), vectors.len(), "one object per input line");
    for (record, vector) in records.iter().zip(&vectors) {
        assert_eq!(record["id"], vector["id"]);
        assert_eq!(record["valid"], vector["valid"], "{record}");
        assert_eq!(record["kind"], vector["kind"], "{record}");
        if vector["valid"] == false && vector["kind"] != "fallback" {
            let error = &record["error"];
            assert_eq!(error["code"], vector["kind"]);
            assert!(
                error["offset"].is_u64() && error["message"].is_string(),
                "{record}"
            );
            assert!(error.get("segment").is_some());
        }
    }
}

#[test]
fn all_valid_arguments_exit_zero_and_are_marked() {
    let output = chittyid(&[
        "check",
        "03-1-USA-5537-P-2602-0-38",
        "03-1-USA-7165-T-2602-0-13",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert_eq!(
        text.lines().filter(|l| l.starts_with("✓ ")).count(),
        2,
        "{text}"
    );
}

#[test]
fn human_output_puts_a_caret_under_the_offending_byte() {
    let output = chittyid(&["check", "03-1-USA-5537-P-2613-0-38"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("✗ 03-1-USA-5537-P-2613-0-38  year_month"),
        "{text}"
    );
    let shown = lines[1].find("03-1").unwrap();
    let caret = lines[2].find('^').unwrap();
    assert_eq!(caret - shown, 18, "caret under the month:\n{text}");
    assert!(lines[2].contains("month 01-12"), "{text}");
}

#[test]
fn fallback_ids_are_not_valid_and_say_so() {
    let output = chittyid(&["check", "--json", "03-0-ERR-0001-T-2611-0-32"]);
    assert_eq!(output.status.code(), Some(1));
    let record: Value = serde_json::from_str(stdout(&output).trim()).unwrap();
    assert_eq!(record["valid"], false);
    assert_eq!(record["kind"], "fallback");
    assert_eq!(record["fallback"]["name"], "MINT_UNAVAILABLE");
}

#[test]
fn standard_input_tolerates_crlf_and_keeps_empty_lines() {
    let input = b"03-1-USA-5537-P-2602-0-38\r\n\r\n03-1-USA-1399-T-2603-0-70";
    let output = chittyid_with_stdin(&["check", "--json", "-"], input);
    let kinds: Vec<String> = stdout(&output)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["kind"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(kinds, ["canonical", "empty", "canonical"]);
    assert_eq!(output.status.code(), Some(1));

    let clean = chittyid_with_stdin(&["check", "--file", "-"], b"03-1-USA-5537-P-2602-0-38\r\n");
    assert_eq!(clean.status.code(), Some(0), "{}", stdout(&clean));
}

#[test]
fn summary_counts_by_kind_only() {
    let input = "03-1-USA-5537-P-2602-0-38\n03-1-USA-5537-P-2602-0-39\n03-1-USA-5537-P-2602-0-39\n03-0-ERR-0001-T-2611-0-32\n";
    let output = chittyid_with_stdin(&["check", "--summary", "--json"], input.as_bytes());
    assert_eq!(output.status.code(), Some(1));
    let summary: Value = serde_json::from_str(stdout(&output).trim()).unwrap();
    assert_eq!(summary["total"], 4);
    assert_eq!(summary["valid"], 1);
    assert_eq!(summary["kinds"]["checksum_mismatch"], 2);
    assert_eq!(summary["kinds"]["fallback"], 1);
    assert_eq!(summary["kinds"]["canonical"], 1);

    let text = stdout(&chittyid_with_stdin(
        &["check", "--summary"],
        input.as_bytes(),
    ));
    assert!(!text.contains("03-1-USA"), "no per-ID lines: {text}");
    assert!(
        text.lines()
            .any(|l| l.split_whitespace().eq(["checksum_mismatch", "2"])),
        "{text}"
    );
}

#[test]
fn overlong_lines_are_reported_not_buffered() {
    let mut input = vec![b'7'; 3 << 20];
    input.extend_from_slice(b"\n03-1-USA-5537-P-2602-0-38\n");
    let file = TempFile::new("long.txt", &input);
    let output = chittyid(&["check", "--json", "--file", file.path()]);
    let records: Vec<Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["kind"], "line_too_long");
    assert!(
        records[0]["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&(3u64 << 20).to_string())
    );
    assert_eq!(records[1]["kind"], "canonical");
}

#[test]
fn lenient_accepts_three_digit_year_month() {
    let old = "03-1-USA-0002-T-259-3-33";
    assert_eq!(chittyid(&["check", old]).status.code(), Some(1));
    let output = chittyid(&["check", "--lenient", "--json", old]);
    assert_eq!(output.status.code(), Some(0));
    let record: Value = serde_json::from_str(stdout(&output).trim()).unwrap();
    assert_eq!(record["kind"], "three_digit_year_month");
}

#[test]
fn usage_and_io_errors_exit_two() {
    let missing = chittyid(&["check", "--file", "/nonexistent/chittyid/ids.txt"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/chittyid/ids.txt"));
    assert_eq!(
        chittyid(&["check", "--no-such-flag"]).status.code(),
        Some(2)
    );
    assert_eq!(chittyid(&["parse"]).status.code(), Some(2));
    let both = chittyid(&["check", "03-1-USA-5537-P-2602-0-38", "--file", "x"]);
    assert_eq!(both.status.code(), Some(2));
}

#[test]
fn parse_shows_every_component_with_its_meaning() {
    let output = chittyid(&["parse", "03-1-USA-5537-P-2602-0-38"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    for expected in [
        "North America",
        "USA",
        "5537",
        "person",
        "2026-02",
        "Unverified",
        "38",
        "canonical",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }

    let output = chittyid(&["parse", "--json", "03-6-AUS-0042-L-2512-5-75"]);
    let text = stdout(&output);
    let record: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    let c = &record["components"];
    assert_eq!(c["regionName"], "Oceania");
    assert_eq!(c["entityName"], "place");
    assert_eq!(c["trustName"], "Official");
    assert_eq!(c["checksum"], record["id"].as_str().unwrap()[23..]);
}

#[test]
fn parse_of_an_invalid_id_explains_and_exits_one() {
    let output = chittyid(&["parse", "03-1-USA-5537-X-2602-0-38"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(
        text.contains("entity_type") && text.contains("one of P, L, T, E, A"),
        "{text}"
    );
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("errors are UTF-8")
}

#[test]
fn help_says_what_the_command_does_today() {
    let output = chittyid(&["--help"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert_eq!(
        text.lines().next(),
        Some(
            "Check, parse and validate ChittyIDs (VV-G-LLL-SSSS-T-YYMM-C-XX), mint them from \
             the service, and run the reference service"
        ),
        "{text}"
    );
    assert!(text.contains(
        "Segments are numbered from 0 in messages: 0 VV, 1 G, 2 LLL, 3 SSSS, 4 T, 5 YYMM, 6 C, 7 XX."
    ));
    for command in [
        "check", "parse", "mint", "validate", "health", "serve", "demo",
    ] {
        let help = stdout(&chittyid(&[command, "--help"]));
        assert!(!help.contains("soon"), "{command}: {help}");
        assert!(
            text.lines().any(|l| l.trim_start().starts_with(command)),
            "{command} listed"
        );
    }
    assert!(!text.contains("soon"), "{text}");
}

#[test]
fn messages_number_segments_from_zero_as_the_readme_does() {
    let cases = [
        (
            "3-1-USA-5537-P-2602-0-38",
            "invalid version at byte 1 (segment 0, version (VV))",
            "version",
        ),
        (
            "03-1-usa-5537-P-2602-0-38",
            "invalid jurisdiction at byte 5 (segment 2, jurisdiction (LLL))",
            "jurisdiction",
        ),
        (
            "03-1-USA-5537-P-2613-0-38",
            "invalid year-month at byte 18 (segment 5, yearMonth (YYMM))",
            "yearMonth",
        ),
        (
            "03-1-USA-5537-P-2602-0-39",
            "checksum mismatch at byte 23 (segment 7, checksum (XX))",
            "checksum",
        ),
    ];
    for (id, start, segment) in cases {
        let output = chittyid(&["check", "--json", id]);
        assert_eq!(output.status.code(), Some(1));
        let record: Value = serde_json::from_str(stdout(&output).trim()).unwrap();
        let message = record["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with(&format!("{start}: expected ")),
            "{id}: {message}"
        );
        assert_eq!(record["error"]["segment"], segment, "{id}");
    }
    let output = chittyid(&["check", "03-1-USA-5537-P-2613-0-38"]);
    assert_eq!(
        stdout(&output),
        "✗ 03-1-USA-5537-P-2613-0-38  year_month\n  03-1-USA-5537-P-2613-0-38\n                    ^ \
         invalid year-month at byte 18 (segment 5, yearMonth (YYMM)): expected four digits YYMM \
         with a month 01-12, found \"2613\"\n"
    );
}

#[test]
fn a_zero_timeout_is_refused_with_a_clear_reason() {
    for command in ["validate", "health"] {
        let output = chittyid(&[command, "--timeout", "0", "--service", "http://127.0.0.1:9"]);
        assert_eq!(output.status.code(), Some(2), "{command}");
        assert_eq!(
            stderr(&output),
            "error: invalid value '0' for '--timeout <SECONDS>': the time-out must be at least \
             0.001 seconds (1 ms)\n\nFor more information, try '--help'.\n",
            "{command}"
        );
        assert_eq!(stdout(&output), "");
    }
}

#[test]
fn the_fallback_jurisdiction_is_refused_as_reserved() {
    let output = chittyid(&[
        "mint",
        "--type",
        "person",
        "--jurisdiction",
        "ERR",
        "--service",
        "http://127.0.0.1:9",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "error: invalid value 'ERR' for '--jurisdiction <JURISDICTION>': ERR is reserved for \
         fallback IDs, which only the service hands out; give a country code such as USA\n\n\
         For more information, try '--help'.\n"
    );
}

#[test]
fn the_token_flag_says_what_each_command_does_with_it() {
    let line = |command: &str| {
        stdout(&chittyid(&[command, "--help"]))
            .lines()
            .find(|l| l.trim_start().starts_with("--token"))
            .map(|l| l.split_whitespace().skip(2).collect::<Vec<_>>().join(" "))
    };
    assert_eq!(
        line("validate").as_deref(),
        Some(
            "Bearer token, sent with each validation so that the service can replace a \
             fallback ID with a final one [env: CHITTY_ID_TOKEN]"
        )
    );
    assert_eq!(
        line("health").as_deref(),
        Some("Not used: the health endpoint needs no token [env: CHITTY_ID_TOKEN]")
    );
}
