//! `chittyid-bench`: the measurements the issues ask for, each beside its baseline in the
//! same run. Run it through `cargo xtask bench`, which builds it and the CLI in release.
//!
//! Usage: `chittyid-bench [--cli PATH --scratch DIR]`

mod baseline;
mod cli_throughput;
mod client_overhead;
mod engine_speed;
mod ids;
mod parse_speed;
mod timing;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    parse_speed::run();
    engine_speed::run();
    client_overhead::run();
    match args.as_slice() {
        [cli_flag, cli, scratch_flag, scratch]
            if cli_flag == "--cli" && scratch_flag == "--scratch" =>
        {
            if let Err(e) = cli_throughput::run(cli.as_ref(), scratch.as_ref()) {
                eprintln!("chittyid-bench: CLI throughput: {e}");
                std::process::exit(1);
            }
        }
        [] => println!("\n(no --cli PATH --scratch DIR: CLI throughput skipped)"),
        other => {
            eprintln!("chittyid-bench: unexpected arguments {other:?}");
            std::process::exit(2);
        }
    }
}
