//! The `bench` binary's figures. Each function starts what it needs (an in-process daemon
//! on port 0, generated data in a temporary directory) and prints one line per figure.

mod xmlrpc;

/// Runs the selected figures (`--only NAME` picks one; default: all).
pub fn main(args: Vec<String>) -> anyhow::Result<()> {
    let only = match args.as_slice() {
        [] => None,
        [flag, name] if flag == "--only" => Some(name.as_str()),
        _ => anyhow::bail!("usage: bench [--only xmlrpc]"),
    };
    println!(
        "# confd-rs bench ({} cores)",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    if only.is_none_or(|n| n == "xmlrpc") {
        xmlrpc::calls_per_second(5_000)?;
    }
    Ok(())
}
