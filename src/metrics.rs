//! The pool's metric families as plain objects, for integrations that would otherwise parse
//! the Prometheus text (the prom-client bridge in `ts/prometheus.ts`).

use napi::bindgen_prelude::Either;
use napi_derive::napi;
use wedpool_core::{MetricFamily, MetricSample};

use crate::error::NativeError;
use crate::guard::{answer, guarded};
use crate::pool::NativePool;

/// One sample of a family. Labels come as two parallel lists so their order survives.
#[derive(Debug)]
#[napi(object)]
pub struct NativeMetricSample {
    /// Series name (a histogram's end in `_bucket`, `_sum`, `_count`).
    pub name: String,
    /// Label names, in exposition order.
    pub label_names: Vec<String>,
    /// Label values (unescaped), in the same order.
    pub label_values: Vec<String>,
    /// The value.
    pub value: f64,
}

/// One metric family.
#[derive(Debug)]
#[napi(object)]
pub struct NativeMetricFamily {
    /// Family name.
    pub name: String,
    /// Help text.
    pub help: String,
    /// `gauge`, `counter` or `histogram`.
    pub r#type: String,
    /// Its samples.
    pub samples: Vec<NativeMetricSample>,
}

impl From<MetricSample> for NativeMetricSample {
    fn from(sample: MetricSample) -> Self {
        let (label_names, label_values) = sample.labels.into_iter().unzip();
        NativeMetricSample { name: sample.name, label_names, label_values, value: sample.value }
    }
}

impl From<MetricFamily> for NativeMetricFamily {
    fn from(family: MetricFamily) -> Self {
        NativeMetricFamily {
            name: family.name,
            help: family.help,
            r#type: family.kind.as_str().to_string(),
            samples: family.samples.into_iter().map(Into::into).collect(),
        }
    }
}

#[napi]
impl NativePool {
    /// The metric families `metrics()` renders as text, as data.
    #[napi]
    pub fn metric_families(&self) -> Either<Vec<NativeMetricFamily>, NativeError> {
        answer(guarded("metricFamilies", || self.pool.metric_families().into_iter().map(Into::into).collect()))
    }
}
