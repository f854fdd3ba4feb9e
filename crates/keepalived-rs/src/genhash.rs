//! `-T`/`--genhash`: keepalived's genhash utility mode. Prints the MD5 digest of a web page
//! the way HTTP_GET/SSL_GET compute it, for pasting into `digest`.

use std::process::ExitCode;
use std::time::Duration;

use keepalived_check::{GenhashError, GenhashOptions};

const USAGE: &str = "Usage: keepalived --genhash COMMAND [OPTIONS]
Commands:
   -s server-address -p port -u url
   -S -s server-address -p port -u url
   -h

Options:
Either long or short options are allowed.
   --use-ssl         -S       Use SSL connection to remote server.
   --use-sni         -I       Use SNI during SSL handshake (uses virtualhost setting; see -V).
   --server          -s       Use the specified remote server address.
   --port            -p       Use the specified remote server port.
   --url             -u       Use the specified remote server url.
   --use-virtualhost -V       Use the specified virtualhost in GET query.
   --verbose         -v       Use verbose mode output.
   --help            -h       Display this short inlined help screen.
   --fwmark          -m       Use the specified FW mark.
   --protocol        -P       Use the specified HTTP protocol - '1.0', 1.0c', '1.1'.
                                1.0c means 1.0 with 'Connection: close'
   --timeout         -t       Timeout in seconds
";

/// (long name, short letter, takes a value).
const OPTIONS: [(&str, char, bool); 11] = [
    ("use-ssl", 'S', false),
    ("use-sni", 'I', false),
    ("server", 's', true),
    ("port", 'p', true),
    ("url", 'u', true),
    ("use-virtualhost", 'V', true),
    ("verbose", 'v', false),
    ("help", 'h', false),
    ("fwmark", 'm', true),
    ("protocol", 'P', true),
    ("timeout", 't', true),
];

/// The options after `-T` as (short letter, value), or the reason to print the usage.
fn parse(args: &[String]) -> Result<Vec<(char, String)>, ()> {
    let mut out = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let (spec, attached) = if let Some(long) = a.strip_prefix("--") {
            let (name, value) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (long, None),
            };
            let matches: Vec<_> = OPTIONS.iter().filter(|o| o.0.starts_with(name)).collect();
            let exact = OPTIONS.iter().find(|o| o.0 == name);
            match (exact, matches.as_slice()) {
                (Some(o), _) => (*o, value),
                (None, [o]) => (**o, value),
                _ => return Err(()),
            }
        } else if let Some(short) = a.strip_prefix('-') {
            let mut chars = short.chars();
            let c = chars.next().ok_or(())?;
            let o = OPTIONS.iter().find(|o| o.1 == c).ok_or(())?;
            let rest: String = chars.collect();
            (*o, (!rest.is_empty()).then_some(rest))
        } else {
            return Err(());
        };
        let value = match (spec.2, attached) {
            (true, Some(v)) => v,
            (true, None) => it.next().cloned().ok_or(())?,
            (false, _) => String::new(),
        };
        out.push((spec.1, value));
    }
    Ok(out)
}

fn options(parsed: &[(char, String)]) -> Option<GenhashOptions> {
    let get = |c: char| parsed.iter().rev().find(|(k, _)| *k == c).map(|(_, v)| v);
    let server = get('s')?.parse().ok()?;
    let url = get('u')?;
    let ssl = get('S').is_some();
    let port = match get('p') {
        Some(p) => p.parse().ok()?,
        None if ssl => 443,
        None => 80,
    };
    let mut o = GenhashOptions::new(server, port, url);
    o.ssl = ssl;
    o.sni = get('I').is_some();
    o.virtualhost = get('V').cloned();
    o.fwmark = get('m').and_then(|m| m.parse().ok());
    if let Some(p) = get('P') {
        o.protocol = match p.as_str() {
            "1.0" => keepalived_conf::model::HttpProtocol::Http10,
            "1.0c" | "1.0C" => keepalived_conf::model::HttpProtocol::Http10Close,
            "1.1" => keepalived_conf::model::HttpProtocol::Http11,
            _ => return None,
        };
    }
    if let Some(t) = get('t') {
        o.timeout = Duration::from_secs(t.parse().ok()?);
    }
    Some(o)
}

/// Runs genhash on the arguments that follow `-T`.
pub fn run(args: &[String]) -> ExitCode {
    let parsed = match parse(args) {
        Ok(p) if !p.iter().any(|(c, _)| *c == 'h') => p,
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(1);
        }
    };
    let Some(opts) = options(&parsed) else {
        eprint!("{USAGE}");
        return ExitCode::from(1);
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("genhash: {e}");
            return ExitCode::from(1);
        }
    };
    // Like keepalived's genhash: the outcome on stdout, exit status 0 either way.
    match rt.block_on(keepalived_check::genhash(&opts)) {
        Ok(digest) => println!("{digest}"),
        Err(GenhashError::Other(_)) => println!("Connection failed"),
        Err(e) => println!("{e}"),
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn short_long_attached_and_prefixed_options() {
        let p = parse(&v(&[
            "-s",
            "10.0.0.1",
            "--port=8080",
            "-u/x",
            "--use-v",
            "h",
            "-S",
        ]))
        .unwrap();
        assert_eq!(
            p,
            [
                ('s', "10.0.0.1".into()),
                ('p', "8080".into()),
                ('u', "/x".into()),
                ('V', "h".into()),
                ('S', String::new())
            ]
        );
        let o = options(&p).unwrap();
        assert_eq!(
            (o.port, o.ssl, o.virtualhost.as_deref()),
            (8080, true, Some("h"))
        );
        assert!(parse(&v(&["-s"])).is_err());
        assert!(parse(&v(&["--use"])).is_err(), "ambiguous prefix");
        assert!(
            options(&parse(&v(&["-s", "10.0.0.1"])).unwrap()).is_none(),
            "no url"
        );
    }
}
