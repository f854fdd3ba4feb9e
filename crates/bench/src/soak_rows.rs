//! The soak's table rows: both implementations ran at once in one `soak::run`.

use crate::cli::Options;
use crate::conf::Spec;
use crate::report::{Cell, Row};
use crate::runs::soak::{self, Soaked};
use crate::suite::{row, Imps, Samples};

/// Runs the soak and turns it into rows.
pub fn rows(o: &Options, imps: &Imps) -> Vec<Row> {
    let spec = Spec {
        instances: o.soak_instances,
        vips_per_instance: 1,
        version: 3,
        advert_int: "0.1",
        priority: 150,
        state: "MASTER",
    };
    eprintln!(
        "soak: {} instances per router, {} min, {} at once",
        spec.instances,
        o.minutes,
        imps.in_order()
            .iter()
            .map(|i| i.label)
            .collect::<Vec<_>>()
            .join(" and ")
    );
    let runs = match soak::run(
        &imps.in_order(),
        &spec,
        o.minutes,
        o.soak_rt_priority,
        o.verbose,
    ) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("keepalived-bench: soak failed: {e}");
            Vec::new()
        }
    };
    for (label, s) in &runs {
        eprintln!(
            "  {label}: {} ticks in {:.0} s, {} flaps, {} reloads, {} kills ({} restarted)",
            s.ticks, s.seconds, s.flaps, s.reloads, s.kills, s.restarted
        );
    }
    let pick = |get: &dyn Fn(&Soaked) -> Option<f64>| {
        Samples(
            runs.iter()
                .filter_map(|(l, s)| get(s).map(|v| (*l, v)))
                .collect(),
        )
    };
    let ms = |v: Option<f64>| v.map(|v| v * 1e3);
    let mib = |k: u64| k as f64 / 1024.0;
    let drift = |a: u64, b: u64| (b as f64 / a.max(1) as f64 - 1.0) * 100.0;
    let rt = if o.soak_rt_priority > 0 {
        format!(", vrrp_rt_priority {}", o.soak_rt_priority)
    } else {
        String::new()
    };
    let head = format!(
        "soak {} inst. v3 advert 0.1 s{rt}, {} min, both at once: false transitions",
        spec.instances, o.minutes
    );
    let mut rows = vec![
        row(
            head,
            &pick(&|s| {
                Some(
                    s.transitions
                        .iter()
                        .map(|t| t.unexpected.len())
                        .sum::<usize>() as f64,
                )
            }),
            imps,
            0,
        )
        .note("not explained by a flap of the instance's link or the BACKUP's restart; must be 0"),
        row(
            "  transitions explained by flaps".into(),
            &pick(&|s| Some(s.transitions.iter().map(|t| t.flap).sum::<usize>() as f64)),
            imps,
            0,
        )
        .note("a flap every 10 s, rotating over the links"),
        row(
            "  BACKUP restarts' transitions".into(),
            &pick(&|s| Some(s.transitions[1].restart as f64)),
            imps,
            0,
        )
        .note("a new VRRP child's instances entering BACKUP"),
        row(
            "  end-of-tick state check failures".into(),
            &pick(&|s| Some(s.state_failures as f64)),
            imps,
            0,
        )
        .note("MASTER lacking a VIP or BACKUP holding one, 9.5 s into a tick"),
    ];
    for (i, who) in ["MASTER", "BACKUP"].iter().enumerate() {
        rows.push(
            row(
                format!("  {who} tree RSS, first sample (MiB)"),
                &pick(&|s| Some(mib(s.rss_first[i]))),
                imps,
                1,
            )
            .note("sum of VmRSS over the process tree"),
        );
        rows.push(row(
            format!("  {who} tree RSS, last sample (MiB)"),
            &pick(&|s| Some(mib(s.rss_last[i]))),
            imps,
            1,
        ));
        rows.push(
            row(
                format!("  {who} tree RSS drift (%)"),
                &pick(&|s| Some(drift(s.rss_first[i], s.rss_last[i]))),
                imps,
                2,
            )
            .note(if i == 1 {
                "the BACKUP's VRRP child is replaced at each SIGKILL"
            } else {
                ""
            }),
        );
        rows.push(
            row(
                format!("  {who} tree CPU (% of one core)"),
                &pick(&|s| Some(s.cpu[i] * 100.0)),
                imps,
                1,
            )
            .note("utime+stime over the soak"),
        );
    }
    for (name, q) in [("p50", 0.5), ("p99", 0.99), ("max", 1.0)] {
        rows.push(
            row(
                format!("  MASTER advert gap, {name} (ms)"),
                &pick(&|s| ms(soak::percentile(&s.gaps, q))),
                imps,
                if name == "max" { 1 } else { 2 },
            )
            .note(if name == "p50" {
                "one VRID's consecutive adverts on the wire, 6 s a minute, flapped link left out; 100 ms nominal"
            } else {
                ""
            }),
        );
    }
    let ours_only = |s: Samples| Samples(s.0.into_iter().filter(|(l, _)| *l == "ours").collect());
    for (i, who) in ["MASTER", "BACKUP"].iter().enumerate() {
        for (name, q) in [("p50", 0.5), ("p99", 0.99)] {
            let mut r = row(
                format!("  {who} timer lateness, {name} (ms)"),
                &ours_only(pick(&|s| ms(soak::quantile(&s.lateness[i], q)))),
                imps,
                3,
            );
            r.keepalived = Cell::Skipped;
            if i == 0 && name == "p50" {
                r = r.note(
                    "ours' keepalived_rs_advert_timer_lateness_seconds (bucket-interpolated)",
                );
            }
            rows.push(r);
        }
        let mut r = row(
            format!("  {who} timer lateness, max (ms, bucket bound)"),
            &ours_only(pick(&|s| ms(soak::max_bound(&s.lateness[i])))),
            imps,
            3,
        );
        r.keepalived = Cell::Skipped;
        rows.push(r);
    }
    rows.push(
        row(
            "  'A thread timer expired' log lines".into(),
            &pick(&|s| Some(s.timer_expired.iter().sum::<usize>() as f64)),
            imps,
            0,
        )
        .note("both routers; late by more than min_auto_priority_delay (1 s)"),
    );
    rows
}
