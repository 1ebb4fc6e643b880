//! The command line, mirroring Exasol 2025.2.0's `confd_client` (spec 2.1) plus the
//! connection options confd-rs needs because it does not run on a cluster node.

use std::path::PathBuf;

use clap::{ArgGroup, Parser};

use crate::render::Format;

const AFTER_HELP: &str = "\
Commands (-c COMMAND or the first word):
  list                 list the available jobs
  help -a JOB          describe a job
  desc -a JOB          the job description as a structure
  args -a JOB          the parameters a job accepts
  result -a JOB_ID     the result of a job started with -S
  stop -a JOB_ID       stop a job if possible
  master               the master node's address
  JOB                  run a job, e.g. `confd_client db_info db_name: MY_DATABASE`

Connection settings, first found wins: --url/--user/--password-file/--ca-cert, then
CONFD_URL, CONFD_USER, CONFD_PASSWORD, CONFD_CA_CERT, then client.json in the state
directory ($CONFD_STATE_DIR, else $XDG_DATA_HOME/confd, else ~/.local/share/confd).

Exit status: 0 success, 1 the job failed, 2 usage or configuration error,
3 ConfD could not be reached or refused the request.";

#[derive(Debug, Parser)]
#[command(
    name = "confd_client",
    about = "Exasol ConfD & SaaS CLI",
    override_usage = "confd_client [-h] [-c COMMAND] [--completion] [-a PARAMS] [-A PARAMS_JSON]\n                    [-s PLATFORM_REFERENCE] [-R REGION] [-p PLATFORM] [-S]\n                    [-j | -P | --flat] [-u USER] [-v] [-d] [-J] [cmd] [pars ...]",
    after_help = AFTER_HELP,
    group(ArgGroup::new("format").args(["json", "python", "flat"]))
)]
pub struct Args {
    /// Command to run (older style of the positional `cmd`)
    #[arg(short = 'c', long = "command", value_name = "COMMAND")]
    pub command: Option<String>,

    /// Print shell completion code (not supported by confd-rs)
    #[arg(long)]
    pub completion: bool,

    /// Parameters as a YAML mapping, or the argument of help/desc/args/result/stop
    #[arg(
        short = 'a',
        long = "params",
        value_name = "PARAMS",
        allow_hyphen_values = true
    )]
    pub params: Option<String>,

    /// Parameters as a JSON object
    #[arg(short = 'A', long = "params-json", value_name = "PARAMS_JSON")]
    pub params_json: Option<String>,

    /// SaaS platform reference (ignored)
    #[arg(
        short = 's',
        long = "platform-reference",
        value_name = "PLATFORM_REFERENCE"
    )]
    pub platform_reference: Option<String>,

    /// SaaS region (ignored)
    #[arg(
        short = 'R',
        long = "region",
        value_name = "REGION",
        default_value = "eu-central-1"
    )]
    pub region: String,

    /// SaaS platform (ignored)
    #[arg(
        short = 'p',
        long = "platform",
        value_name = "PLATFORM",
        default_value = "AWS"
    )]
    pub platform: String,

    /// Start the job asynchronously and print its job ID
    #[arg(short = 'S', long = "start")]
    pub start: bool,

    /// JSON output
    #[arg(short = 'j', long = "json")]
    pub json: bool,

    /// Python repr output
    #[arg(short = 'P', long = "python")]
    pub python: bool,

    /// Flat output: one `path: value` line per leaf
    #[arg(long = "flat")]
    pub flat: bool,

    /// User to authenticate as
    #[arg(short = 'u', long = "user", value_name = "USER")]
    pub user: Option<String>,

    /// More information (the XML-RPC URL on stderr)
    #[arg(short = 'v', long = "verbose")]
    pub verbose: bool,

    /// Dry-run mode (no effect in confd-rs)
    #[arg(short = 'd', long = "dry-run")]
    pub dry_run: bool,

    /// No persistent job file (no effect in confd-rs)
    #[arg(short = 'J', long = "volatile")]
    pub volatile: bool,

    /// XML-RPC URL of ConfD, e.g. https://127.0.0.1:20003
    #[arg(long = "url", value_name = "URL")]
    pub url: Option<String>,

    /// File holding the password
    #[arg(long = "password-file", value_name = "FILE")]
    pub password_file: Option<PathBuf>,

    /// CA certificate (PEM) to trust for the daemon's TLS certificate
    #[arg(long = "ca-cert", value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,

    /// Do not verify the TLS certificate
    #[arg(short = 'k', long = "insecure")]
    pub insecure: bool,

    /// With db_backup_progress: redraw a progress line every 0.5 s until the operation ends
    #[arg(long = "watch")]
    pub watch: bool,

    /// Command to run, usually a job name
    pub cmd: Option<String>,

    /// Parameters in YAML: `key: value ...`, joined into `{key: value, ...}`
    #[arg(allow_negative_numbers = true)]
    pub pars: Vec<String>,
}

impl Args {
    pub fn format(&self) -> Format {
        if self.json {
            Format::Json
        } else if self.python {
            Format::Python
        } else if self.flat {
            Format::Flat
        } else {
            Format::Yaml
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args, clap::Error> {
        Args::try_parse_from(std::iter::once("confd_client").chain(args.iter().copied()))
    }

    #[test]
    fn positional_job_and_words() {
        let a = parse(&["db_backup_start", "db_name:", "DB", "level:", "-1", "-j"]).unwrap();
        assert_eq!(a.cmd.as_deref(), Some("db_backup_start"));
        assert_eq!(a.pars, ["db_name:", "DB", "level:", "-1"]);
        assert_eq!(a.format(), Format::Json);
    }

    #[test]
    fn older_style_and_builtins() {
        let a = parse(&["-c", "help", "-a", "db_list"]).unwrap();
        assert_eq!(
            (a.command.as_deref(), a.params.as_deref()),
            (Some("help"), Some("db_list"))
        );
        assert!(parse(&["-j", "-P", "db_list"]).is_err());
        assert!(parse(&["--flat", "-j", "db_list"]).is_err());
        assert!(parse(&["-S", "-k", "-u", "admin", "-v", "-d", "-J", "db_list"]).is_ok());
    }

    #[test]
    fn clap_definition_is_consistent() {
        use clap::CommandFactory;
        Args::command().debug_assert();
    }
}
