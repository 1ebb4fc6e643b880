//! `bench`: the speed figures of design 8, each printed beside its reference where there is
//! one, measured in this run on this machine. Run it with `cargo run --release -p
//! confd-tests --bin bench [-- --only xmlrpc]`. Benchmarks never run as tests.

fn main() -> anyhow::Result<()> {
    confd_tests::bench::main(std::env::args().skip(1).collect())
}
