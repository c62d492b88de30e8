//! The pool's metrics as data ([`MetricFamily`]: name, help, type, samples with labels) and
//! their Prometheus text exposition (format 0.0.4). Integrations (the prom-client bridge) read
//! the data; the text is rendered from the same data, so the two always agree.

use std::fmt::Write;

/// A Prometheus metric type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    /// A value that goes up and down.
    Gauge,
    /// A total that only goes up.
    Counter,
    /// Cumulative buckets, a sum and a count.
    Histogram,
}

impl MetricKind {
    /// The name used on `# TYPE` lines (`gauge`, `counter`, `histogram`).
    pub fn as_str(self) -> &'static str {
        match self {
            MetricKind::Gauge => "gauge",
            MetricKind::Counter => "counter",
            MetricKind::Histogram => "histogram",
        }
    }
}

/// One sample: the series name (a histogram's end in `_bucket`, `_sum`, `_count`), its labels
/// in order, and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSample {
    /// Series name.
    pub name: String,
    /// Label names and values, unescaped.
    pub labels: Vec<(String, String)>,
    /// The value (`+Inf` bucket bounds are labels, never values).
    pub value: f64,
}

/// One metric family.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricFamily {
    /// Family name.
    pub name: String,
    /// Help text.
    pub help: String,
    /// Metric type.
    pub kind: MetricKind,
    /// Its samples.
    pub samples: Vec<MetricSample>,
}

fn escape(label: &str) -> String {
    label.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// The Prometheus text exposition of `families`.
pub fn render_text(families: &[MetricFamily]) -> String {
    let mut out = String::new();
    for family in families {
        let _ = writeln!(out, "# HELP {} {}", family.name, family.help);
        let _ = writeln!(out, "# TYPE {} {}", family.name, family.kind.as_str());
        for sample in &family.samples {
            out.push_str(&sample.name);
            if !sample.labels.is_empty() {
                let labels: Vec<String> = sample.labels.iter().map(|(k, v)| format!("{k}=\"{}\"", escape(v))).collect();
                let _ = write!(out, "{{{}}}", labels.join(","));
            }
            let _ = writeln!(out, " {}", sample.value);
        }
    }
    out
}
