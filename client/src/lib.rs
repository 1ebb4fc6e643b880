//! confd_client: Exasol's ConfD command-line client, re-implemented for confd-rs.
//!
//! Everything lives in this library so tests can call [`run`] in-process; `main.rs` only
//! forwards the process arguments. The client speaks XML-RPC to the daemon (spec 1.5) and
//! prints results the way Exasol's Python client does (spec 2.3): `render` and `yaml_emit`
//! reproduce PyYAML/`json`/`repr` output, `params` reads parameters the way PyYAML does.
//! It depends on no other crate of the workspace: the wire protocol is the contract.
//!
//! Exit status (one place, [`Failure::exit_code`]): 0 success, 1 the job ran and failed
//! (non-zero `result_code`), 2 usage or configuration error, 3 ConfD could not be reached,
//! rejected the credentials, or answered with an XML-RPC fault.

mod args;
mod params;
mod progress;
mod render;
mod settings;
mod transport;
mod yaml11;
mod yaml_emit;
mod yaml_scalar;

use std::ffi::OsString;
use std::io::Write;

use clap::Parser as _;
use serde_json::{Map, Value, json};

use crate::args::Args;
use crate::render::{Format, render};
use crate::transport::{Client, TransportError};

#[derive(Debug)]
pub(crate) enum Failure {
    Job(String),
    Usage(String),
    Transport(TransportError),
    Output(std::io::Error),
}

impl Failure {
    fn exit_code(&self) -> i32 {
        match self {
            Failure::Job(_) | Failure::Output(_) => 1,
            Failure::Usage(_) | Failure::Transport(TransportError::Setup(_)) => 2,
            Failure::Transport(_) => 3,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Job(msg) => write!(f, "{msg}"),
            Failure::Usage(msg) => write!(f, "confd_client: error: {msg}"),
            Failure::Transport(e) => write!(f, "confd_client: {e}"),
            Failure::Output(e) => write!(f, "confd_client: cannot write output: {e}"),
        }
    }
}

impl From<TransportError> for Failure {
    fn from(e: TransportError) -> Self {
        Failure::Transport(e)
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Output(e)
    }
}

/// Runs confd_client with `args` (including the program name) and returns the exit status.
pub fn run<I, T>(args: I, out: &mut dyn Write, err: &mut dyn Write) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    // reqwest is built without a default crypto provider (deps.md 5: ring only).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args = match Args::try_parse_from(args) {
        Ok(args) => args,
        Err(e) => {
            let text = e.render().to_string();
            return if e.use_stderr() {
                let _ = write!(err, "{text}");
                2
            } else {
                let _ = write!(out, "{text}");
                0
            };
        }
    };
    match inner_run(&args, out, err) {
        Ok(()) => 0,
        Err(failure) => {
            let _ = out.flush();
            let _ = writeln!(err, "{failure}");
            failure.exit_code()
        }
    }
}

fn inner_run(args: &Args, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    if args.completion {
        return Err(Failure::Usage(
            "--completion is not supported by confd-rs".into(),
        ));
    }
    note_ignored_options(args, err)?;
    let (command, words) = command_and_words(args)?;
    if args.watch && command != "db_backup_progress" {
        return Err(Failure::Usage(
            "--watch works only with db_backup_progress".into(),
        ));
    }
    if args.start && is_builtin(command) {
        return Err(Failure::Usage(format!(
            "-S starts jobs; '{command}' is a built-in command"
        )));
    }
    let client = connect(args, err)?;
    let format = args.format();
    let builtin_arg = || builtin_argument(command, args.params.as_deref(), &words);
    match command {
        "list" => print_value(out, &client.call("job_list", vec![])?, format),
        "help" => {
            let text = checked(client.call("job_help", vec![json!(builtin_arg()?)])?)?;
            match text {
                Value::String(s) => print_text(out, &s),
                other => print_value(out, &other, format),
            }
        }
        "desc" => print_value(
            out,
            &checked(client.call("job_desc", vec![json!(builtin_arg()?)])?)?,
            format,
        ),
        "args" => {
            let desc = checked(client.call("job_desc", vec![json!(builtin_arg()?)])?)?;
            print_value(out, &Value::Array(arg_names(&desc)), format)
        }
        "result" => print_result(
            out,
            client.call("job_result", vec![json!(builtin_arg()?)])?,
            format,
        ),
        "stop" => print_result(
            out,
            client.call("job_stop", vec![json!(builtin_arg()?)])?,
            format,
        ),
        "master" => print_text(out, client.master()?.trim_end()),
        "info" => Err(Failure::Usage(
            "'info' (infrastructure information) is not available in confd-rs".into(),
        )),
        job => run_job(args, &client, job, &words, out, format),
    }
}

/// Options of Exasol's client that mean nothing here are accepted, with a note, so that
/// scripts written for it keep working.
fn note_ignored_options(args: &Args, err: &mut dyn Write) -> Result<(), Failure> {
    for (set, flag) in [
        (args.dry_run, "-d/--dry-run"),
        (args.volatile, "-J/--volatile"),
    ] {
        if set {
            writeln!(err, "confd_client: note: {flag} has no effect in confd-rs")?;
        }
    }
    if args.platform_reference.is_some() {
        writeln!(
            err,
            "confd_client: note: SaaS options (-s, -R, -p) are ignored by confd-rs"
        )?;
    }
    Ok(())
}

/// The command and the words that make up its parameters. `-c JOB key: value` puts every
/// positional word into the parameters; without -c the first word is the command.
fn command_and_words(args: &Args) -> Result<(&str, Vec<String>), Failure> {
    match (&args.command, &args.cmd) {
        (Some(c), first) => Ok((c, first.iter().chain(&args.pars).cloned().collect())),
        (None, Some(c)) => Ok((c, args.pars.clone())),
        (None, None) => Err(Failure::Usage(
            "no command given (try -c list, or -h)".into(),
        )),
    }
}

/// A client for the daemon the flags, the environment or `client.json` name.
fn connect(args: &Args, err: &mut dyn Write) -> Result<Client, Failure> {
    let env = |k: &str| std::env::var(k).ok();
    let flags = settings::Flags {
        url: args.url.clone(),
        user: args.user.clone(),
        password_file: args.password_file.clone(),
        ca_cert: args.ca_cert.clone(),
        insecure: args.insecure,
    };
    let settings = settings::resolve(&flags, &env).map_err(Failure::Usage)?;
    if args.verbose {
        writeln!(
            err,
            "confd_client: ConfD at {} as user '{}'",
            settings.url, settings.user
        )?;
    }
    Ok(Client::new(settings)?)
}

/// A ConfD job: run and wait (`job_exec`), start (`-S`, `job_start`) or watch its
/// progress (`--watch`).
fn run_job(
    args: &Args,
    client: &Client,
    job: &str,
    words: &[String],
    out: &mut dyn Write,
    format: Format,
) -> Result<(), Failure> {
    let params = job_params(args, words)?;
    if args.watch {
        return progress::watch(client, &params, out);
    }
    let mut call = vec![json!(job)];
    // Jobs without parameters are called with the name only (spec 1.5).
    if !params.is_empty() {
        call.push(json!({ "params": params }));
    }
    if !args.start {
        return print_result(out, client.call("job_exec", call)?, format);
    }
    match client.call("job_start", call)? {
        Value::String(id) => print_text(out, &id),
        other => match checked(other)? {
            Value::Object(m) if m.contains_key("result_jobid") => {
                print_value(out, &m["result_jobid"], format)
            }
            other => print_value(out, &other, format),
        },
    }
}

fn is_builtin(command: &str) -> bool {
    matches!(
        command,
        "list" | "help" | "desc" | "args" | "result" | "stop" | "master" | "info"
    )
}

/// The argument of `help`/`desc`/`args`/`result`/`stop`: `-a X` as in Exasol's usage text,
/// or the next word (`confd_client help db_list`). Taken verbatim: a job ID such as `11.3`
/// must not become the float 11.3.
fn builtin_argument(command: &str, a: Option<&str>, words: &[String]) -> Result<String, Failure> {
    a.map(|s| s.trim().to_string())
        .or_else(|| words.first().cloned())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            Failure::Usage(format!(
                "'{command}' needs an argument: -c {command} -a NAME"
            ))
        })
}

/// Parameters from `-a` (YAML), `-A` (JSON) and the words, merged in that order.
fn job_params(args: &Args, words: &[String]) -> Result<Map<String, Value>, Failure> {
    let mut params = Map::new();
    if let Some(yaml) = &args.params {
        params.extend(params::parse_yaml_mapping(yaml).map_err(Failure::Usage)?);
    }
    if let Some(text) = &args.params_json {
        params.extend(params::parse_json_mapping(text).map_err(Failure::Usage)?);
    }
    if !words.is_empty() {
        let yaml = params::words_to_yaml(words).map_err(Failure::Usage)?;
        params.extend(params::parse_yaml_mapping(&yaml).map_err(Failure::Usage)?);
    }
    Ok(params)
}

/// A result struct with a non-zero `result_code` is a failed job (spec 1.6, design 5.1);
/// anything else passes through.
pub(crate) fn checked(value: Value) -> Result<Value, Failure> {
    if let Value::Object(m) = &value
        && let Some(code) = m.get("result_code").and_then(Value::as_i64)
        && code != 0
    {
        let text = |k: &str| {
            m.get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let msg = text("result_desc")
            .or_else(|| text("result_name"))
            .unwrap_or_else(|| format!("job failed with result code {code}"));
        return Err(Failure::Job(msg));
    }
    Ok(value)
}

/// The payload of a job result: `result_output`, or `None` for a job without output.
pub(crate) fn job_output(result: Value) -> Result<Option<Value>, Failure> {
    match checked(result)? {
        Value::Object(mut m) if m.contains_key("result_code") => Ok(m.remove("result_output")),
        other => Ok(Some(other)),
    }
}

fn print_result(out: &mut dyn Write, result: Value, format: Format) -> Result<(), Failure> {
    match job_output(result)? {
        Some(output) => print_value(out, &output, format),
        // Exasol prints `OK` for jobs without output (spec 2.3), in every format.
        None => print_text(out, "OK"),
    }
}

fn print_value(out: &mut dyn Write, value: &Value, format: Format) -> Result<(), Failure> {
    out.write_all(render(value, format).as_bytes())?;
    Ok(())
}

fn print_text(out: &mut dyn Write, text: &str) -> Result<(), Failure> {
    if text.ends_with('\n') {
        write!(out, "{text}")?;
    } else {
        writeln!(out, "{text}")?;
    }
    Ok(())
}

/// `args`: the names from `job_desc` (mandatory, then optional, then substitutes not listed
/// yet), each group sorted, for shell completion and scripts.
fn arg_names(desc: &Value) -> Vec<Value> {
    let mut names: Vec<String> = Vec::new();
    for group in ["mandatory", "optional", "substitutes"] {
        let mut part: Vec<String> = match desc.get(group) {
            Some(Value::Object(m)) => {
                let mut v: Vec<String> = m.keys().cloned().collect();
                if group == "substitutes" {
                    v.extend(
                        m.values()
                            .flat_map(|s| s.as_array().into_iter().flatten())
                            .filter_map(|s| s.as_str().map(str::to_string)),
                    );
                }
                v
            }
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        part.sort();
        for name in part {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names.into_iter().map(Value::String).collect()
}

#[cfg(test)]
#[path = "lib_tests.rs"]
mod tests;
