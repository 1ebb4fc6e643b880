//! See the library: everything is there so tests can run it in-process.
fn main() {
    std::process::exit(confd_client::run(
        std::env::args_os(),
        &mut std::io::stdout(),
        &mut std::io::stderr(),
    ));
}
