//! The URL of an `s3` volume (design 2) taken apart into what `AmazonS3Builder` needs.
//!
//! Two forms are accepted:
//! - path style, for S3-compatible servers: `http[s]://host[:port]/bucket[/prefix]`;
//! - AWS virtual host: `https://bucket.s3.region.amazonaws.com[/prefix]`, the legacy
//!   `bucket.s3-region.amazonaws.com`, and the global `bucket.s3.amazonaws.com` (us-east-1).
//!
//! Parsing is by hand rather than with a URL crate: the grammar is this small, and every
//! error can then say exactly what is wrong with which URL.

/// Region used when the URL names none (path style, global AWS endpoint). SigV4 needs one;
/// S3-compatible servers accept it.
const DEFAULT_REGION: &str = "us-east-1";

/// Where an `s3` volume lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct S3Location {
    /// `scheme://host[:port]`; for virtual-host URLs the host includes the bucket.
    pub endpoint: String,
    /// The bucket.
    pub bucket: String,
    /// Key prefix inside the bucket, without leading or trailing `/` (may be empty).
    pub prefix: String,
    /// SigV4 signing region.
    pub region: String,
    /// Whether requests address the bucket in the host name (AWS) or in the path.
    pub virtual_hosted: bool,
    /// Plain `http://`: object_store refuses it unless told otherwise.
    pub allow_http: bool,
}

/// Parses an `s3` volume URL; the error names the URL and what is wrong with it.
pub(crate) fn parse(url: &str) -> Result<S3Location, String> {
    let bad = |what: &str| format!("S3 URL '{url}' {what}");
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| bad("is not an http:// or https:// URL"))?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err(bad(&format!(
            "has scheme '{scheme}'; use http:// or https://"
        )));
    }
    if rest.contains(['?', '#']) {
        return Err(bad("must not have a query or fragment"));
    }
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    if authority.contains('@') {
        return Err(bad(
            "must not contain credentials; pass them as username/password",
        ));
    }
    let host = host_of(authority)
        .map_err(|e| bad(&e))?
        .to_ascii_lowercase();
    let segments = path_segments(path).map_err(|e| bad(&e))?;
    let endpoint = format!("{scheme}://{}", authority.to_ascii_lowercase());
    let allow_http = scheme == "http";

    if let Some(aws) = aws_host(&host) {
        if let Some(bucket) = aws.bucket {
            check_bucket(bucket).map_err(|e| bad(&e))?;
            return Ok(S3Location {
                endpoint,
                bucket: bucket.to_owned(),
                prefix: segments.join("/"),
                region: aws.region,
                virtual_hosted: true,
                allow_http,
            });
        }
        // `https://s3.<region>.amazonaws.com/bucket/...`: path style with the region known.
        return path_style(endpoint, &segments, aws.region, allow_http).map_err(|e| bad(&e));
    }
    path_style(endpoint, &segments, DEFAULT_REGION.to_owned(), allow_http).map_err(|e| bad(&e))
}

fn path_style(
    endpoint: String,
    segments: &[&str],
    region: String,
    allow_http: bool,
) -> Result<S3Location, String> {
    let (bucket, prefix) = segments
        .split_first()
        .ok_or("names no bucket (use http[s]://host[:port]/bucket[/prefix])")?;
    check_bucket(bucket)?;
    Ok(S3Location {
        endpoint,
        bucket: (*bucket).to_owned(),
        prefix: prefix.join("/"),
        region,
        virtual_hosted: false,
        allow_http,
    })
}

/// The host of `host[:port]` (IPv6 in brackets), with the port checked.
fn host_of(authority: &str) -> Result<&str, String> {
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (addr, after) = v6
            .split_once(']')
            .ok_or("has an IPv6 host without its closing ']'")?;
        (addr, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err("has no host".into());
    }
    if let Some(port) = port
        && port.parse::<u16>().map_or(true, |p| p == 0)
    {
        return Err(format!("has an invalid port '{port}'"));
    }
    Ok(host)
}

/// Non-empty `/`-separated parts of the path; `.` and `..` are refused because keys are
/// built from them.
fn path_segments(path: &str) -> Result<Vec<&str>, String> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if let Some(s) = segments.iter().find(|s| matches!(**s, "." | "..")) {
        return Err(format!("must not contain a '{s}' path segment"));
    }
    if segments.iter().any(|s| s.contains(['\\', '\0'])) {
        return Err("must not contain '\\' or NUL in its path".into());
    }
    Ok(segments)
}

/// Bucket names after the S3 rules, leniently: legacy buckets may have upper case or `_`.
fn check_bucket(bucket: &str) -> Result<(), String> {
    let ok_chars = bucket
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if !(3..=63).contains(&bucket.len()) || !ok_chars {
        return Err(format!(
            "has an invalid bucket name '{bucket}' (3 to 63 letters, digits, '.', '-')"
        ));
    }
    Ok(())
}

/// What an `*.amazonaws.com` host says: the bucket (virtual host) and the region.
struct AwsHost<'a> {
    bucket: Option<&'a str>,
    region: String,
}

/// Recognises `[bucket.]s3[.-region].amazonaws.com`; `None` for any other host.
fn aws_host(host: &str) -> Option<AwsHost<'_>> {
    let rest = host.strip_suffix(".amazonaws.com")?;
    // The last `s3` label (`s3`, `s3.<region>`, `s3-<region>`) separates bucket and region;
    // a bucket name may itself contain dots.
    let (bucket, service) = match rest.rfind(".s3") {
        Some(i) if is_s3_label(&rest[i + 1..]) => (Some(&rest[..i]), &rest[i + 1..]),
        _ if is_s3_label(rest) => (None, rest),
        _ => return None,
    };
    let region = service
        .strip_prefix("s3")
        .map(|r| r.trim_start_matches(['.', '-']))
        .filter(|r| !r.is_empty())
        .unwrap_or(DEFAULT_REGION);
    Some(AwsHost {
        bucket: bucket.filter(|b| !b.is_empty()),
        region: region.to_owned(),
    })
}

/// `s3`, `s3.<region>` or `s3-<region>`.
fn is_s3_label(s: &str) -> bool {
    s == "s3" || s.starts_with("s3.") || s.starts_with("s3-")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(url: &str) -> S3Location {
        parse(url).unwrap_or_else(|e| panic!("{url}: {e}"))
    }

    #[test]
    fn path_style_urls_split_into_endpoint_bucket_and_prefix() {
        let l = ok("http://127.0.0.1:9014/backups/confd/prod/");
        assert_eq!(l.endpoint, "http://127.0.0.1:9014");
        assert_eq!(
            (l.bucket.as_str(), l.prefix.as_str()),
            ("backups", "confd/prod")
        );
        assert_eq!(l.region, "us-east-1");
        assert!(!l.virtual_hosted && l.allow_http);

        let l = ok("https://sos-ch-gva-2.exo.io/my-bucket");
        assert_eq!(l.endpoint, "https://sos-ch-gva-2.exo.io");
        assert_eq!((l.bucket.as_str(), l.prefix.as_str()), ("my-bucket", ""));
        assert!(!l.allow_http);

        let l = ok("http://[::1]:9000/bkt//a//b");
        assert_eq!(
            (l.endpoint.as_str(), l.prefix.as_str()),
            ("http://[::1]:9000", "a/b")
        );
    }

    #[test]
    fn aws_virtual_host_urls_give_bucket_and_region() {
        let l = ok("https://my.bucket.s3.eu-west-1.amazonaws.com/exasol/");
        assert_eq!(l.endpoint, "https://my.bucket.s3.eu-west-1.amazonaws.com");
        assert_eq!(
            (l.bucket.as_str(), l.region.as_str()),
            ("my.bucket", "eu-west-1")
        );
        assert_eq!(l.prefix, "exasol");
        assert!(l.virtual_hosted);

        let l = ok("https://bkt.s3-eu-central-1.amazonaws.com");
        assert_eq!(
            (l.bucket.as_str(), l.region.as_str()),
            ("bkt", "eu-central-1")
        );
        let l = ok("https://bkt.s3.amazonaws.com/");
        assert_eq!((l.bucket.as_str(), l.region.as_str()), ("bkt", "us-east-1"));

        // Path style against AWS keeps the region of the host.
        let l = ok("https://s3.ap-south-1.amazonaws.com/bkt/p");
        assert!(!l.virtual_hosted);
        assert_eq!(
            (l.bucket.as_str(), l.region.as_str()),
            ("bkt", "ap-south-1")
        );
        assert_eq!(l.prefix, "p");
    }

    #[test]
    fn errors_name_the_url_and_the_problem() {
        let cases = [
            ("ftp://host/b", "scheme 'ftp'"),
            ("host/bucket", "not an http"),
            ("http://127.0.0.1:9000", "names no bucket"),
            ("http://127.0.0.1:9000/", "names no bucket"),
            ("http://:9000/bucket", "no host"),
            ("http://h:99999/bucket", "invalid port '99999'"),
            ("http://h:x/bucket", "invalid port 'x'"),
            ("http://k:s@h/bucket", "credentials"),
            ("http://h/bucket?x=1", "query"),
            ("http://h/bucket/../x", "'..'"),
            ("http://h/b", "invalid bucket name 'b'"),
            ("http://h/bad%bucket", "invalid bucket name"),
            ("https://x!.s3.amazonaws.com", "invalid bucket name"),
        ];
        for (url, want) in cases {
            let e = parse(url).expect_err(url);
            assert!(e.contains(url) && e.contains(want), "{url}: {e}");
        }
    }
}
