// The time loops of seqcast's recurrent layers (cells.py), compiled: each step is one
// small matrix product plus one fused element-wise pass, with no Python in the loop, and
// the batch is split over PyTorch's threads (for_blocks). What is not sequential (input
// projections, weight gradients) stays in cells.py as single large products.
//
// Layout (float32, contiguous, group-major): gate inputs xw (G, L, B, kH), recurrent
// weights w_hh (G, H, kH), states (G, L, B, H). Gate order as in torch.nn: LSTM i f g o,
// GRU r z n.
#include <torch/extension.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <vector>

namespace {

using at::Tensor;

// exp(v) (Cephes' polynomial, relative error < 1e-7), inline so that the compiler
// vectorises it with the loop; sigmoid and tanh each cost one exp.
inline float exp_(float v) {
  v = std::min(std::max(v, -87.0f), 88.0f);  // keeps 2^n a normal float
  const float n = std::floor(v * 1.44269504088896341f + 0.5f);  // v = n ln2 + r
  const float r = v - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;  // 2^n
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

inline float sigmoid(float v) { return 1.0f / (1.0f + exp_(-v)); }
inline float tanh_(float v) { return 2.0f / (1.0f + exp_(-2.0f * v)) - 1.0f; }

// Row b of step t of member g in a (G, L, B, K) buffer.
struct Rows {
  float* data;
  int64_t L, B, K;
  Rows(const Tensor& t) : data(t.data_ptr<float>()), L(t.size(1)), B(t.size(2)), K(t.size(3)) {}
  float* at(int64_t g, int64_t t, int64_t b) const { return data + ((g * L + t) * B + b) * K; }
};

// The recurrence of one batch row never meets another row's, so the rows are split into
// blocks and every block runs its whole time loop alone: threads never wait for each other
// between steps. Each member is cut into as few blocks as give every thread the same
// number (one member alone: one block per thread; two members on two threads: one block
// each), so each step's product is as large as it can be. body(g, b0, b1) handles rows
// b0..b1-1 of member g.
template <typename F>
void for_blocks(int64_t G, int64_t B, const F& body) {
  const int64_t threads = at::get_num_threads();
  const int64_t chunks = std::min<int64_t>(B, threads / std::gcd(G, threads));
  at::parallel_for(0, G * chunks, 1, [&](int64_t begin, int64_t end) {
    for (int64_t task = begin; task < end; ++task) {
      const int64_t g = task / chunks, c = task % chunks;
      body(g, B * c / chunks, B * (c + 1) / chunks);
    }
  });
}

// out (n, K) = a (n, H) @ w (H, K), or with transposed: out (n, H) = a (n, K) @ w^T; all
// row-major. Through ATen: the BLAS PyTorch uses, on one thread inside a block.
void matmul(const float* a, const float* w, float* out, int64_t n, int64_t H, int64_t K,
            bool transposed) {
  const auto f32 = at::TensorOptions().dtype(at::kFloat);
  const Tensor weight = at::from_blob(const_cast<float*>(w), {H, K}, f32);
  Tensor result = at::from_blob(out, {n, transposed ? H : K}, f32);
  const Tensor rows = at::from_blob(const_cast<float*>(a), {n, transposed ? K : H}, f32);
  at::mm_out(result, rows, transposed ? weight.t() : weight);
}

// The loops read raw float32 memory: refuse anything else with a clear message.
void check(const Tensor& t, const char* name) {
  TORCH_CHECK(t.scalar_type() == at::kFloat && t.is_contiguous() && t.dim() == 4, name,
              " must be a contiguous 4-d float32 tensor");
}

// h_{t-1} @ w for rows b0..b1 of member g into out; zero before the first step.
void step_product(const Rows& hs, const float* w, float* out, int64_t g, int64_t t,
                  int64_t b0, int64_t b1, int64_t H, int64_t K) {
  if (t == 0) {
    std::fill(out, out + (b1 - b0) * K, 0.0f);
  } else {
    matmul(hs.at(g, t - 1, b0), w + g * H * K, out, b1 - b0, H, K, false);
  }
}

// LSTM forward: activated gates, cell states, tanh of the cell states, hidden states.
std::vector<Tensor> lstm_forward(const Tensor& xw, const Tensor& w_hh) {
  check(xw, "xw");
  const int64_t G = xw.size(0), L = xw.size(1), B = xw.size(2), H = w_hh.size(1), K = 4 * H;
  Tensor gates = at::empty_like(xw);
  Tensor cs = at::empty({G, L, B, H}, xw.options());
  Tensor tcs = at::empty_like(cs), hs = at::empty_like(cs);
  const Tensor w = w_hh.contiguous();
  const Rows X(xw), Ga(gates), C(cs), TC(tcs), Hs(hs);
  for_blocks(G, B, [&](int64_t g, int64_t b0, int64_t b1) {
    const std::vector<float> zero(H, 0.0f);  // the cell state before the first step
    for (int64_t t = 0; t < L; ++t) {
      step_product(Hs, w.data_ptr<float>(), Ga.at(g, t, b0), g, t, b0, b1, H, K);
      for (int64_t b = b0; b < b1; ++b) {
        const float* __restrict x = X.at(g, t, b);
        float* __restrict a = Ga.at(g, t, b);
        const float* __restrict c_prev = t ? C.at(g, t - 1, b) : zero.data();
        float *__restrict c = C.at(g, t, b), *__restrict tc = TC.at(g, t, b);
        float* __restrict h = Hs.at(g, t, b);
#pragma omp simd
        for (int64_t j = 0; j < H; ++j) {
          const float i = sigmoid(x[j] + a[j]), f = sigmoid(x[H + j] + a[H + j]);
          const float u = tanh_(x[2 * H + j] + a[2 * H + j]);
          const float o = sigmoid(x[3 * H + j] + a[3 * H + j]);
          const float cell = f * c_prev[j] + i * u;
          const float squashed = tanh_(cell);
          a[j] = i;
          a[H + j] = f;
          a[2 * H + j] = u;
          a[3 * H + j] = o;
          c[j] = cell;
          tc[j] = squashed;
          h[j] = o * squashed;
        }
      }
    }
  });
  return {gates, cs, tcs, hs};
}

// LSTM backward: the gradient of every step's gate pre-activations (G, L, B, 4H).
Tensor lstm_backward(const Tensor& d_hs, const Tensor& gates, const Tensor& cs,
                     const Tensor& tcs, const Tensor& w_hh) {
  check(d_hs, "d_hs");
  const int64_t G = gates.size(0), L = gates.size(1), B = gates.size(2), H = w_hh.size(1);
  const int64_t K = 4 * H;
  Tensor d_gates = at::empty_like(gates);
  const Tensor w = w_hh.contiguous();
  const Rows Ga(gates), C(cs), TC(tcs), DH(d_hs), D(d_gates);
  for_blocks(G, B, [&](int64_t g, int64_t b0, int64_t b1) {
    // gradients carried back in time: through h_{t-1} @ w_hh and through the cell state
    std::vector<float> dh_next((b1 - b0) * H, 0.0f), dc((b1 - b0) * H, 0.0f);
    const std::vector<float> zero(H, 0.0f);
    for (int64_t t = L - 1; t >= 0; --t) {
      for (int64_t b = b0; b < b1; ++b) {
        const float* __restrict a = Ga.at(g, t, b);
        const float* __restrict tc = TC.at(g, t, b);
        const float* __restrict c_prev = t ? C.at(g, t - 1, b) : zero.data();
        const float* __restrict dh_out = DH.at(g, t, b);
        const float* __restrict dh_in = dh_next.data() + (b - b0) * H;
        float* __restrict d = D.at(g, t, b);
        float* __restrict dcr = dc.data() + (b - b0) * H;
#pragma omp simd
        for (int64_t j = 0; j < H; ++j) {
          const float dh = dh_out[j] + dh_in[j];
          const float i = a[j], f = a[H + j], u = a[2 * H + j], o = a[3 * H + j];
          const float dcell = dcr[j] + dh * o * (1.0f - tc[j] * tc[j]);
          d[j] = dcell * u * i * (1.0f - i);
          d[H + j] = dcell * c_prev[j] * f * (1.0f - f);
          d[2 * H + j] = dcell * i * (1.0f - u * u);
          d[3 * H + j] = dh * tc[j] * o * (1.0f - o);
          dcr[j] = dcell * f;
        }
      }
      if (t) {
        matmul(D.at(g, t, b0), w.data_ptr<float>() + g * H * K, dh_next.data(), b1 - b0, H,
               K, true);
      }
    }
  });
  return d_gates;
}

// GRU forward: reset and update gates (G, L, B, 2H), candidates, W_hn h + b_hn, states.
std::vector<Tensor> gru_forward(const Tensor& xw, const Tensor& w_hh, const Tensor& b_hh) {
  check(xw, "xw");
  const int64_t G = xw.size(0), L = xw.size(1), B = xw.size(2), H = w_hh.size(1), K = 3 * H;
  Tensor rz = at::empty({G, L, B, 2 * H}, xw.options());
  Tensor ns = at::empty({G, L, B, H}, xw.options());
  Tensor hw_n = at::empty_like(ns), hs = at::empty_like(ns);
  const Tensor w = w_hh.contiguous(), bias = b_hh.contiguous();
  const Rows X(xw), RZ(rz), N(ns), HN(hw_n), Hs(hs);
  for_blocks(G, B, [&](int64_t g, int64_t b0, int64_t b1) {
    std::vector<float> hw((b1 - b0) * K);  // h_{t-1} @ w_hh of this block
    const std::vector<float> zero(H, 0.0f);
    const float* __restrict bh = bias.data_ptr<float>() + g * K;
    for (int64_t t = 0; t < L; ++t) {
      step_product(Hs, w.data_ptr<float>(), hw.data(), g, t, b0, b1, H, K);
      for (int64_t b = b0; b < b1; ++b) {
        const float* __restrict x = X.at(g, t, b);
        const float* __restrict p = hw.data() + (b - b0) * K;
        const float* __restrict h_prev = t ? Hs.at(g, t - 1, b) : zero.data();
        float *__restrict rz_ = RZ.at(g, t, b), *__restrict n_ = N.at(g, t, b);
        float *__restrict hn_ = HN.at(g, t, b), *__restrict h = Hs.at(g, t, b);
#pragma omp simd
        for (int64_t j = 0; j < H; ++j) {
          const float reset = sigmoid(x[j] + p[j] + bh[j]);
          const float update = sigmoid(x[H + j] + p[H + j] + bh[H + j]);
          const float hn = p[2 * H + j] + bh[2 * H + j];
          const float n = tanh_(x[2 * H + j] + reset * hn);
          rz_[j] = reset;
          rz_[H + j] = update;
          n_[j] = n;
          hn_[j] = hn;
          h[j] = n + update * (h_prev[j] - n);
        }
      }
    }
  });
  return {rz, ns, hw_n, hs};
}

// GRU backward: per step, the gradient of the input side (dr, dz, dn) and of the recurrent
// side W_hh h + b_hh (dr, dz, dn * r), each (G, L, B, 3H).
std::vector<Tensor> gru_backward(const Tensor& d_hs, const Tensor& rz, const Tensor& ns,
                                 const Tensor& hw_n, const Tensor& hs, const Tensor& w_hh) {
  check(d_hs, "d_hs");
  const int64_t G = hs.size(0), L = hs.size(1), B = hs.size(2), H = hs.size(3), K = 3 * H;
  Tensor d_x_side = at::empty({G, L, B, K}, hs.options());
  Tensor d_h_side = at::empty_like(d_x_side);
  const Tensor w = w_hh.contiguous();
  const Rows RZ(rz), N(ns), HN(hw_n), Hs(hs), DH(d_hs), DX(d_x_side), DS(d_h_side);
  for_blocks(G, B, [&](int64_t g, int64_t b0, int64_t b1) {
    // gradients carried back in time: through h_{t-1} @ w_hh, and directly as z * dh
    std::vector<float> dh_next((b1 - b0) * H, 0.0f), dh_z((b1 - b0) * H, 0.0f);
    const std::vector<float> zero(H, 0.0f);
    for (int64_t t = L - 1; t >= 0; --t) {
      for (int64_t b = b0; b < b1; ++b) {
        const float *__restrict rz_ = RZ.at(g, t, b), *__restrict n_ = N.at(g, t, b);
        const float* __restrict hn_ = HN.at(g, t, b);
        const float* __restrict h_prev = t ? Hs.at(g, t - 1, b) : zero.data();
        const float* __restrict dh_out = DH.at(g, t, b);
        const float* __restrict dh_in = dh_next.data() + (b - b0) * H;
        float *__restrict dx = DX.at(g, t, b), *__restrict ds = DS.at(g, t, b);
        float* __restrict dz_carry = dh_z.data() + (b - b0) * H;
#pragma omp simd
        for (int64_t j = 0; j < H; ++j) {
          const float dh = dh_out[j] + dh_in[j] + dz_carry[j];
          const float reset = rz_[j], update = rz_[H + j], n = n_[j];
          const float dn = dh * (1.0f - update) * (1.0f - n * n);
          const float dr = dn * hn_[j] * reset * (1.0f - reset);
          const float dz = dh * (h_prev[j] - n) * update * (1.0f - update);
          dx[j] = ds[j] = dr;
          dx[H + j] = ds[H + j] = dz;
          dx[2 * H + j] = dn;
          ds[2 * H + j] = dn * reset;
          dz_carry[j] = dh * update;
        }
      }
      if (t) {
        matmul(DS.at(g, t, b0), w.data_ptr<float>() + g * H * K, dh_next.data(), b1 - b0, H,
               K, true);
      }
    }
  });
  return {d_x_side, d_h_side};
}

// Elman RNN (tanh) forward: the hidden states.
Tensor rnn_forward(const Tensor& xw, const Tensor& w_hh) {
  check(xw, "xw");
  const int64_t G = xw.size(0), L = xw.size(1), B = xw.size(2), H = w_hh.size(1);
  Tensor hs = at::empty_like(xw);
  const Tensor w = w_hh.contiguous();
  const Rows X(xw), Hs(hs);
  for_blocks(G, B, [&](int64_t g, int64_t b0, int64_t b1) {
    for (int64_t t = 0; t < L; ++t) {
      float* __restrict h = Hs.at(g, t, b0);
      const float* __restrict x = X.at(g, t, b0);
      step_product(Hs, w.data_ptr<float>(), h, g, t, b0, b1, H, H);
#pragma omp simd
      for (int64_t j = 0; j < (b1 - b0) * H; ++j) h[j] = tanh_(x[j] + h[j]);
    }
  });
  return hs;
}

// Elman RNN backward: the gradient of every step's pre-activation.
Tensor rnn_backward(const Tensor& d_hs, const Tensor& hs, const Tensor& w_hh) {
  check(d_hs, "d_hs");
  const int64_t G = hs.size(0), L = hs.size(1), B = hs.size(2), H = hs.size(3);
  Tensor d_pre = at::empty_like(hs);
  const Tensor w = w_hh.contiguous();
  const Rows Hs(hs), DH(d_hs), D(d_pre);
  for_blocks(G, B, [&](int64_t g, int64_t b0, int64_t b1) {
    std::vector<float> dh_next((b1 - b0) * H, 0.0f);
    for (int64_t t = L - 1; t >= 0; --t) {
      const float *__restrict h = Hs.at(g, t, b0), *__restrict dh_out = DH.at(g, t, b0);
      const float* __restrict dh_in = dh_next.data();
      float* __restrict d = D.at(g, t, b0);
#pragma omp simd
      for (int64_t j = 0; j < (b1 - b0) * H; ++j) {
        d[j] = (dh_out[j] + dh_in[j]) * (1.0f - h[j] * h[j]);
      }
      if (t) matmul(d, w.data_ptr<float>() + g * H * H, dh_next.data(), b1 - b0, H, H, true);
    }
  });
  return d_pre;
}

}  // namespace

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  m.def("lstm_forward", &lstm_forward);
  m.def("lstm_backward", &lstm_backward);
  m.def("gru_forward", &gru_forward);
  m.def("gru_backward", &gru_backward);
  m.def("rnn_forward", &rnn_forward);
  m.def("rnn_backward", &rnn_backward);
}
