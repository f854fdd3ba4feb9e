//! Content negotiation for `/metrics`: the Prometheus text format 0.0.4 unless the scraper
//! asks for OpenMetrics.
//!
//! Prometheus itself sends `Accept: application/openmetrics-text;version=1.0.0,...,
//! text/plain;version=0.0.4;q=0.5,*/*;q=0.1` and gets OpenMetrics; curl, promtool and
//! older scrapers send nothing or `text/plain` and get 0.0.4, where a counter's `# HELP`
//! and `# TYPE` name its `_total` samples (in OpenMetrics they name the family without
//! `_total`, which a 0.0.4 parser reads as an untyped metric with no help text).

/// The exposition formats `/metrics` answers in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    /// `text/plain; version=0.0.4`.
    Text004,
    /// `application/openmetrics-text; version=1.0.0`.
    OpenMetrics,
}

impl Format {
    /// The `Content-Type` of a response in this format.
    pub(super) fn content_type(self) -> &'static str {
        match self {
            Format::Text004 => "text/plain; version=0.0.4; charset=utf-8",
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }

    /// The format an `Accept` header asks for (RFC 9110 §12.5.1): the media range with the
    /// highest `q` among OpenMetrics and the text format; on a tie, the one listed first.
    /// No header, a header naming neither, or garbage: the text format.
    pub(super) fn from_accept(accept: Option<&str>) -> Format {
        let Some(accept) = accept else {
            return Format::Text004;
        };
        let mut best: Option<(f32, Format)> = None;
        for range in accept.split(',') {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let format = match media.as_str() {
                "application/openmetrics-text" => Format::OpenMetrics,
                "text/plain" => Format::Text004,
                _ => continue,
            };
            let q = parts
                .filter_map(|p| p.split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
                .map_or(Some(1.0), |(_, v)| v.trim().parse::<f32>().ok())
                .unwrap_or(0.0);
            if q > 0.0 && best.map_or(true, |(b, _)| q > b) {
                best = Some((q, format));
            }
        }
        best.map_or(Format::Text004, |(_, f)| f)
    }
}

/// The OpenMetrics text `prometheus-client` writes, rewritten as text format 0.0.4: no
/// `# EOF` or `# UNIT` lines, `unknown` is `untyped`, and a counter family's `# HELP` and
/// `# TYPE` carry the `_total` of its samples. `# HELP` precedes `# TYPE` in that output,
/// so a family's HELP line waits for its TYPE line.
pub(super) fn openmetrics_to_text004(om: &str) -> String {
    let mut out = String::with_capacity(om.len());
    let mut help: Option<(&str, &str)> = None;
    for line in om.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# HELP ") {
            flush_help(&mut out, help.take(), None);
            help = Some(rest.split_once(' ').unwrap_or((rest, "")));
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap_or((rest, "untyped"));
            let (name, kind) = match kind {
                "counter" if !name.ends_with("_total") => (format!("{name}_total"), kind),
                "unknown" => (name.to_owned(), "untyped"),
                _ => (name.to_owned(), kind),
            };
            let renamed = help
                .take()
                .filter(|(h, _)| *h == rest.split(' ').next().unwrap_or(""));
            flush_help(&mut out, renamed, Some(&name));
            out.push_str("# TYPE ");
            out.push_str(&name);
            out.push(' ');
            out.push_str(kind);
            out.push('\n');
            continue;
        }
        flush_help(&mut out, help.take(), None);
        out.push_str(line);
        out.push('\n');
    }
    flush_help(&mut out, help, None);
    out
}

/// Writes a pending `# HELP` line, under `name` when given (the 0.0.4 name of its family).
fn flush_help(out: &mut String, help: Option<(&str, &str)>, name: Option<&str>) {
    if let Some((family, text)) = help {
        out.push_str("# HELP ");
        out.push_str(name.unwrap_or(family));
        out.push(' ');
        // OpenMetrics escapes `"` in HELP; 0.0.4 only `\` and line ends.
        out.push_str(&text.replace("\\\"", "\""));
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_headers() {
        use Format::*;
        let cases = [
            (None, Text004),
            (Some(""), Text004),
            (Some("*/*"), Text004),
            (Some("text/plain;version=0.0.4"), Text004),
            (Some("application/openmetrics-text"), OpenMetrics),
            (
                Some("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"),
                OpenMetrics,
            ),
            (Some("text/plain;q=0.9, application/openmetrics-text;q=0.5"), Text004),
            (Some("application/openmetrics-text;q=0, text/plain"), Text004),
            (Some("application/openmetrics-text;q=bogus"), Text004),
            (Some("Application/OpenMetrics-Text; version=1.0.0"), OpenMetrics),
            (Some("text/plain, application/openmetrics-text"), Text004),
        ];
        for (accept, want) in cases {
            assert_eq!(Format::from_accept(accept), want, "{accept:?}");
        }
    }

    #[test]
    fn counters_carry_total_in_text004() {
        let om = "# HELP a Things \\\"done\\\".\n# TYPE a counter\na_total{x=\"1\"} 2\n\
                  # HELP up Status.\n# TYPE up gauge\nup 1\n\
                  # HELP t_seconds Time.\n# TYPE t_seconds histogram\n# UNIT t_seconds seconds\n\
                  t_seconds_sum 0.0\nt_seconds_count 0\n# EOF\n";
        assert_eq!(
            openmetrics_to_text004(om),
            "# HELP a_total Things \"done\".\n# TYPE a_total counter\na_total{x=\"1\"} 2\n\
             # HELP up Status.\n# TYPE up gauge\nup 1\n\
             # HELP t_seconds Time.\n# TYPE t_seconds histogram\n\
             t_seconds_sum 0.0\nt_seconds_count 0\n"
        );
    }
}
