//! The arithmetic floor of embedding: how long the encoder's matrix products
//! alone must take on this machine, so `cuebench bench` can say how far a run
//! is from it (docs/scoring.md §6).
//!
//! The work is counted from the model file itself ([`EncoderCost::read`]): the
//! weights feeding every matrix product (through dequantisation, casts and
//! transposes) and the number of attention layers. The rate is measured
//! through the same runtime, thread settings and device as the encoder: one
//! large `MatMul` run by ONNX Runtime ([`matmul_rate`]).

use std::collections::HashMap;
use std::time::Instant;

use ort::editor::{Graph, Model, Node, ONNX_DOMAIN, Opset};
use ort::value::{Outlet, Shape, SymbolicDimensions, Tensor, TensorElementType, ValueType};

use super::manifest::{load_model_files, resolve_model_dir};
use super::onnx::workers;
use super::runtime::{environment, library_for, model_error, session_builder};
use super::{EmbedOptions, Result};
use crate::Error;

/// What one sequence costs the encoder, read from its ONNX graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncoderCost {
    /// Weights multiplied by every token (the matrix products' constant
    /// operands); each costs 2 FLOP (multiply, add) per token.
    pub matmul_weights: u64,
    /// Attention layers (one `Softmax` each): each costs `4 * hidden * len`
    /// FLOP per token for the score and value products.
    pub attention_layers: u64,
    /// The hidden width the attention products run at.
    pub hidden: u64,
}

impl EncoderCost {
    /// Reads the model `opts` selects (verified as for embedding) and counts
    /// its cost; `hidden` is the manifest's `dimension` (384 for MiniLM).
    pub fn of_model(opts: &EmbedOptions) -> Result<Self> {
        let files = load_model_files(&resolve_model_dir(opts.model_dir.as_deref()))?;
        let bytes = std::fs::read(&files.model).map_err(|source| Error::Io {
            path: files.model.clone(),
            source,
        })?;
        let hidden = files.manifest.dimension.unwrap_or(0) as u64;
        Self::read(&bytes, hidden).ok_or_else(|| {
            Error::Model(format!(
                "{}: cannot read the ONNX graph to count its matrix products",
                files.model.display()
            ))
        })
    }

    /// Counts the cost of the ONNX model `bytes` (a serialised `ModelProto`);
    /// `None` when it is not one.
    pub fn read(bytes: &[u8], hidden: u64) -> Option<Self> {
        let graph = onnx::graph(bytes)?;
        let mut matmul_weights = 0;
        let mut attention_layers = 0;
        for node in &graph.nodes {
            match node.op_type.as_str() {
                "Softmax" => attention_layers += 1,
                "MatMul" | "Gemm" | "MatMulInteger" | "FusedMatMul" => {
                    matmul_weights += node
                        .inputs
                        .iter()
                        .filter_map(|input| graph.constant_size(input))
                        .max()
                        .unwrap_or(0);
                }
                _ => {}
            }
        }
        Some(EncoderCost {
            matmul_weights,
            attention_layers,
            hidden,
        })
    }

    /// FLOP to encode one sequence of `len` tokens (its own length, no padding).
    pub fn flops(&self, len: usize) -> f64 {
        let len = len as f64;
        len * (2.0 * self.matmul_weights as f64)
            + 4.0 * (self.attention_layers * self.hidden) as f64 * len * len
    }

    /// FLOP per token of the weight products alone (length-independent).
    pub fn flops_per_token(&self) -> f64 {
        2.0 * self.matmul_weights as f64
    }
}

/// Rows and the two widths of the products timed by [`matmul_rate`]: an
/// encoder's feed-forward shapes over a batch of 1,024 tokens.
const RATE_SHAPE: (usize, usize, usize) = (1024, 384, 1536);

/// Up-and-down product pairs chained in the timed graph.
const RATE_LAYERS: usize = 4;

/// Timed runs per worker after one warm-up; the median is reported.
const RATE_REPEATS: usize = 11;

/// The matrix-multiply rate, FLOP/s, of ONNX Runtime on `opts.device`,
/// laid out as the encoder runs (one single-threaded session per CPU worker,
/// all at once): a chain of `[1024, 384] x [384, 1536] x [1536, 384]` f32
/// `MatMul`s with resident weights, summed to one number so that no large
/// output is copied; the median of 11 timed runs after a warm-up.
pub fn matmul_rate(opts: &EmbedOptions) -> Result<f64> {
    let env = environment(&library_for(opts)?)?;
    let (workers, threads) = workers(opts);
    let mut sessions = (0..workers)
        .map(|_| matmul_session(&env, opts, threads))
        .collect::<Result<Vec<_>>>()?;
    let (m, k, n) = RATE_SHAPE;
    let input = Tensor::from_array(([m, k], fill(m * k, 1.0))).map_err(rate_error)?;
    let timings = std::thread::scope(|scope| {
        let running: Vec<_> = sessions
            .iter_mut()
            .map(|session| {
                let input = &input;
                scope.spawn(move || -> Result<Vec<f64>> {
                    let mut times = Vec::with_capacity(RATE_REPEATS);
                    for i in 0..=RATE_REPEATS {
                        let start = Instant::now();
                        session
                            .run(ort::inputs!["x" => input])
                            .map_err(rate_error)?;
                        if i > 0 {
                            times.push(start.elapsed().as_secs_f64());
                        }
                    }
                    Ok(times)
                })
            })
            .collect();
        running
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Error::Model("a MatMul timing thread panicked".into())))
            })
            .collect::<Result<Vec<Vec<f64>>>>()
    })?;
    let flops = 4.0 * RATE_LAYERS as f64 * (m * k * n) as f64;
    Ok(timings
        .into_iter()
        .map(|mut times| {
            times.sort_by(f64::total_cmp);
            flops / times[times.len() / 2].max(1e-9)
        })
        .sum())
}

fn rate_error(e: ort::Error) -> Error {
    model_error("cannot time a MatMul on ONNX Runtime", e)
}

/// `len` values in `[-scale, scale)`: no denormals, no infinities.
fn fill(len: usize, scale: f32) -> Vec<f32> {
    (0..len)
        .map(|i| (((i * 7919) % 2000) as f32 / 1000.0 - 1.0) * scale)
        .collect()
}

/// The timed graph: `x [m, k]` through [`RATE_LAYERS`] pairs of products
/// with weights `[k, n]` and `[n, k]`, then `ReduceSum` to one value.
fn matmul_session(
    env: &ort::environment::Environment,
    opts: &EmbedOptions,
    threads: Option<usize>,
) -> Result<ort::session::Session> {
    let (m, k, n) = RATE_SHAPE;
    let outlet = |name: &str, shape: Vec<i64>| {
        let rank = shape.len();
        Outlet::new(
            name,
            ValueType::Tensor {
                ty: TensorElementType::Float32,
                shape: Shape::new(shape),
                dimension_symbols: SymbolicDimensions::empty(rank),
            },
        )
    };
    let mut graph = Graph::new().map_err(rate_error)?;
    graph
        .set_inputs([outlet("x", vec![m as i64, k as i64])])
        .map_err(rate_error)?;
    graph
        .set_outputs([outlet("sum", vec![])])
        .map_err(rate_error)?;
    // Weights scaled so that values stay near 1 through the chain.
    let up = fill(k * n, 1.0 / (k as f32).sqrt());
    let down = fill(n * k, 1.0 / (n as f32).sqrt());
    let mut last = "x".to_owned();
    for layer in 0..RATE_LAYERS {
        for (name, rows, cols, values) in [("up", k, n, &up), ("down", n, k, &down)] {
            let weight = format!("{name}{layer}");
            // ONNX Runtime takes initializers only in tensors it allocated.
            let mut tensor = Tensor::<f32>::new(&ort::memory::Allocator::default(), [rows, cols])
                .map_err(rate_error)?;
            tensor.extract_tensor_mut().1.copy_from_slice(values);
            graph
                .add_initializer(&weight, tensor, false)
                .map_err(rate_error)?;
            let out = format!("{weight}_out");
            let node = Node::new(
                "MatMul",
                ONNX_DOMAIN,
                &out,
                [last.as_str(), weight.as_str()],
                [out.as_str()],
                [],
            )
            .map_err(rate_error)?;
            graph.add_node(node).map_err(rate_error)?;
            last = out;
        }
    }
    let keepdims = ort::operator::Attribute::new("keepdims", 0i64).map_err(rate_error)?;
    let sum = Node::new(
        "ReduceSum",
        ONNX_DOMAIN,
        "sum",
        [last.as_str()],
        ["sum"],
        [keepdims],
    )
    .map_err(rate_error)?;
    graph.add_node(sum).map_err(rate_error)?;
    let mut model =
        Model::new([Opset::new(ONNX_DOMAIN, 17).map_err(rate_error)?]).map_err(rate_error)?;
    model.set_graph(graph).map_err(rate_error)?;
    let builder = session_builder(env, opts.device, threads)?;
    model.into_session(&builder).map_err(rate_error)
}

/// How far a timed embedding run is from the arithmetic floor.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Floor {
    /// Real tokens embedded (special tokens included, padding excluded).
    pub tokens: u64,
    /// Tokens the encoder actually computed: every batch padded to its longest text.
    pub padded_tokens: u64,
    /// FLOP per token of the weight products (2 x matrix-product weights).
    pub flops_per_token: f64,
    /// All FLOP the texts need at their own lengths (attention included).
    pub flops: f64,
    /// The measured matrix-multiply rate, FLOP/s.
    pub matmul_flops_per_s: f64,
    /// `flops / matmul_flops_per_s`: the fewest seconds the texts can take.
    pub floor_s: f64,
}

impl Floor {
    /// The floor of embedding texts of token lengths `lengths`, batched into
    /// `padded_tokens` computed tokens, at `rate` FLOP/s.
    pub fn new(cost: &EncoderCost, lengths: &[usize], padded_tokens: u64, rate: f64) -> Floor {
        let flops: f64 = lengths.iter().map(|&len| cost.flops(len)).sum();
        Floor {
            tokens: lengths.iter().map(|&l| l as u64).sum(),
            padded_tokens,
            flops_per_token: cost.flops_per_token(),
            flops,
            matmul_flops_per_s: rate,
            floor_s: flops / rate.max(1.0),
        }
    }

    /// `seconds` as a multiple of the floor.
    pub fn ratio(&self, seconds: f64) -> f64 {
        seconds / self.floor_s.max(1e-12)
    }
}

/// Just enough of the ONNX protobuf schema to walk a graph's nodes and the
/// sizes of its constants; tensor data is skipped, never decoded.
mod onnx {
    use super::HashMap;

    /// A graph's nodes and the element count of each named constant.
    pub(super) struct GraphInfo {
        pub nodes: Vec<NodeInfo>,
        sizes: HashMap<String, u64>,
        /// The node that outputs each tensor (index into `nodes`).
        producers: HashMap<String, usize>,
    }

    /// One node: its operator and its inputs' and outputs' names.
    pub(super) struct NodeInfo {
        pub op_type: String,
        pub inputs: Vec<String>,
        pub outputs: Vec<String>,
    }

    /// Operators that turn constants into a weight of the same size on its
    /// way to a matrix product: an int8-stored weight is cast and scaled
    /// (or dequantised), perhaps transposed.
    const WEIGHT_OPS: [&str; 6] = [
        "DequantizeLinear",
        "Cast",
        "Mul",
        "Transpose",
        "Identity",
        "Reshape",
    ];

    /// How deep [`GraphInfo::constant_size`] follows a weight back.
    const MAX_DEPTH: usize = 8;

    impl GraphInfo {
        /// The element count of `name` if it is a constant, or computed only
        /// from constants by [`WEIGHT_OPS`] (the largest of them).
        pub fn constant_size(&self, name: &str) -> Option<u64> {
            self.constant_size_at(name, 0)
        }

        fn constant_size_at(&self, name: &str, depth: usize) -> Option<u64> {
            if let Some(&size) = self.sizes.get(name) {
                return Some(size);
            }
            let node = &self.nodes[*self.producers.get(name)?];
            if depth >= MAX_DEPTH || !WEIGHT_OPS.contains(&node.op_type.as_str()) {
                return None;
            }
            let mut largest = 0;
            for input in node.inputs.iter().filter(|i| !i.is_empty()) {
                largest = largest.max(self.constant_size_at(input, depth + 1)?);
            }
            Some(largest)
        }
    }

    /// One protobuf field: its number and its value (varint or bytes).
    enum Value<'a> {
        Int(u64),
        Bytes(&'a [u8]),
    }

    /// Decodes a varint at `pos`.
    fn varint(buf: &[u8], pos: &mut usize) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *buf.get(*pos)?;
            *pos += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    /// The fields of one message, in order; `None` if it is malformed.
    fn fields(buf: &[u8]) -> Option<Vec<(u64, Value<'_>)>> {
        let mut out = Vec::new();
        let mut pos = 0;
        while pos < buf.len() {
            let key = varint(buf, &mut pos)?;
            let value = match key & 7 {
                0 => Value::Int(varint(buf, &mut pos)?),
                1 => {
                    pos += 8;
                    Value::Int(0)
                }
                2 => {
                    let len = usize::try_from(varint(buf, &mut pos)?).ok()?;
                    let end = pos.checked_add(len).filter(|&e| e <= buf.len())?;
                    let bytes = &buf[pos..end];
                    pos = end;
                    Value::Bytes(bytes)
                }
                5 => {
                    pos += 4;
                    Value::Int(0)
                }
                _ => return None,
            };
            out.push((key >> 3, value));
        }
        (pos == buf.len()).then_some(out)
    }

    fn text(bytes: &[u8]) -> String {
        String::from_utf8_lossy(bytes).into_owned()
    }

    /// `ModelProto.graph` (field 7), its nodes (`GraphProto.node`, 1) and
    /// constants (`initializer`, 5; `Constant` nodes' `value` attribute).
    pub(super) fn graph(model: &[u8]) -> Option<GraphInfo> {
        let graph = fields(model)?.into_iter().find_map(|(n, v)| match (n, v) {
            (7, Value::Bytes(b)) => Some(b),
            _ => None,
        })?;
        let mut info = GraphInfo {
            nodes: Vec::new(),
            sizes: HashMap::new(),
            producers: HashMap::new(),
        };
        for (number, value) in fields(graph)? {
            match (number, value) {
                (1, Value::Bytes(b)) => {
                    let (node, constant) = node(b)?;
                    if let (Some(size), Some(out)) = (constant, node.outputs.first()) {
                        info.sizes.insert(out.clone(), size);
                    }
                    for out in &node.outputs {
                        info.producers.insert(out.clone(), info.nodes.len());
                    }
                    info.nodes.push(node);
                }
                (5, Value::Bytes(b)) => {
                    let (name, size) = tensor(b)?;
                    info.sizes.insert(name, size);
                }
                _ => {}
            }
        }
        Some(info)
    }

    /// A `NodeProto` (input 1, output 2, op_type 4, attribute 5), and the
    /// size of its tensor if it is a `Constant`.
    fn node(buf: &[u8]) -> Option<(NodeInfo, Option<u64>)> {
        let mut node = NodeInfo {
            op_type: String::new(),
            inputs: Vec::new(),
            outputs: Vec::new(),
        };
        let mut constant = None;
        for (number, value) in fields(buf)? {
            match (number, value) {
                (1, Value::Bytes(b)) => node.inputs.push(text(b)),
                (2, Value::Bytes(b)) => node.outputs.push(text(b)),
                (4, Value::Bytes(b)) => node.op_type = text(b),
                // AttributeProto.t (5): the tensor of a `Constant`'s `value`.
                (5, Value::Bytes(attribute)) => {
                    for (n, v) in fields(attribute)? {
                        if let (5, Value::Bytes(t)) = (n, v) {
                            constant = Some(tensor(t)?.1);
                        }
                    }
                }
                _ => {}
            }
        }
        let constant = constant.filter(|_| node.op_type == "Constant");
        Some((node, constant))
    }

    /// A `TensorProto`'s name (8) and element count (the product of `dims`, 1,
    /// packed or not).
    fn tensor(buf: &[u8]) -> Option<(String, u64)> {
        let mut name = String::new();
        let mut size = 1u64;
        for (number, value) in fields(buf)? {
            match (number, value) {
                (1, Value::Int(d)) => size = size.saturating_mul(d),
                (1, Value::Bytes(packed)) => {
                    let mut pos = 0;
                    while pos < packed.len() {
                        size = size.saturating_mul(varint(packed, &mut pos)?);
                    }
                }
                (8, Value::Bytes(b)) => name = text(b),
                _ => {}
            }
        }
        Some((name, size))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A protobuf key for field `n` of wire type `wire`.
    fn key(n: u64, wire: u64) -> u8 {
        ((n << 3) | wire) as u8
    }

    fn bytes_field(n: u64, payload: &[u8]) -> Vec<u8> {
        let mut out = vec![key(n, 2), payload.len() as u8];
        out.extend_from_slice(payload);
        out
    }

    /// A hand-encoded graph: w (int8, [4, 3]) and its scale s ([3]) ->
    /// DequantizeLinear -> MatMul with the input x, and one Softmax.
    fn tiny_model() -> Vec<u8> {
        let mut tensor = vec![key(1, 0), 4, key(1, 0), 3];
        tensor.extend(bytes_field(8, b"w"));
        let mut scale = vec![key(1, 0), 3];
        scale.extend(bytes_field(8, b"s"));
        let mut dq = bytes_field(1, b"w");
        dq.extend(bytes_field(1, b"s"));
        dq.extend(bytes_field(2, b"wf"));
        dq.extend(bytes_field(4, b"DequantizeLinear"));
        let mut mm = bytes_field(1, b"x");
        mm.extend(bytes_field(1, b"wf"));
        mm.extend(bytes_field(2, b"y"));
        mm.extend(bytes_field(4, b"MatMul"));
        let mut sm = bytes_field(1, b"y");
        sm.extend(bytes_field(2, b"z"));
        sm.extend(bytes_field(4, b"Softmax"));
        let mut graph = bytes_field(1, &dq);
        graph.extend(bytes_field(1, &mm));
        graph.extend(bytes_field(1, &sm));
        graph.extend(bytes_field(5, &tensor));
        graph.extend(bytes_field(5, &scale));
        bytes_field(7, &graph)
    }

    #[test]
    fn counts_weights_through_dequantisation() {
        let cost = EncoderCost::read(&tiny_model(), 8).unwrap();
        assert_eq!(
            cost,
            EncoderCost {
                matmul_weights: 12,
                attention_layers: 1,
                hidden: 8
            }
        );
        assert_eq!(cost.flops(2), 2.0 * 24.0 + 4.0 * 8.0 * 4.0);
        assert_eq!(cost.flops_per_token(), 24.0);
    }

    #[test]
    fn malformed_bytes_are_refused() {
        assert!(EncoderCost::read(&[0xff, 0xff], 8).is_none());
        let mut truncated = tiny_model();
        truncated.truncate(10);
        assert!(EncoderCost::read(&truncated, 8).is_none());
    }

    #[test]
    fn the_floor_is_flops_over_rate() {
        let cost = EncoderCost {
            matmul_weights: 10,
            attention_layers: 0,
            hidden: 0,
        };
        let floor = Floor::new(&cost, &[3, 5], 10, 20.0);
        assert_eq!((floor.tokens, floor.padded_tokens), (8, 10));
        assert_eq!(floor.flops, 160.0);
        assert_eq!(floor.floor_s, 8.0);
        assert_eq!(floor.ratio(12.0), 1.5);
    }

    /// The default model (when set up): MiniLM-L6 has 6 layers of
    /// 4 x 384 x 384 + 2 x 384 x 1536 product weights.
    #[test]
    fn minilm_cost_when_present() {
        let model = std::path::Path::new(super::super::DEFAULT_MODEL_DIR).join("model.onnx");
        let Ok(bytes) = std::fs::read(model) else {
            return;
        };
        let cost = EncoderCost::read(&bytes, 384).unwrap();
        assert_eq!(cost.matmul_weights, 6 * (4 * 384 * 384 + 2 * 384 * 1536));
        assert_eq!(cost.attention_layers, 6);
    }
}
