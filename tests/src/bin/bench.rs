//! `bench`: the speed figures of design 8, each printed beside its reference where there is
//! one, measured in this run on this machine. Run it with `cargo run --release -p
//! confd-tests --bin bench [-- --only xmlrpc]` (`-- --help` lists the figures); the `rss`
//! and `growth` figures run the `confd` binary built beside it, the `s3` ones s3s-fs
//! (`S3S_FS`, as the tests). Benchmarks never run as tests.

fn main() -> anyhow::Result<()> {
    confd_tests::bench::main(std::env::args().skip(1).collect())
}
