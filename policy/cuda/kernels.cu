// CUDA kernels of package cuda (build tag cuda): the fused lm-head's tiles
// (with cuBLAS for the products) and the per-token loops of the GRPO, NFT
// and DPO losses. Every entry point is a C function that launches on the
// given stream and returns the cudaError_t of the launch (0 on success);
// the Go side synchronises and checks the stream's error. Compiled by
// nvcc into libevolvecuda.a (go generate -tags cuda, see gen.go).
//
// Reductions run in one block of kBlock threads per row, in a fixed tree
// order, so that results do not depend on scheduling.

#include <cuda_runtime.h>
#include <math.h>
#include <stdint.h>

#include "kernels.h"

namespace {

constexpr int kBlock = 256;

// blockSum returns the sum of v over the block (every thread gets it),
// in a fixed order; sh has kBlock doubles.
__device__ double blockSum(double v, double *sh) {
	sh[threadIdx.x] = v;
	__syncthreads();
	for (int s = kBlock / 2; s > 0; s >>= 1) {
		if (threadIdx.x < s) sh[threadIdx.x] += sh[threadIdx.x + s];
		__syncthreads();
	}
	double r = sh[0];
	__syncthreads();
	return r;
}

// blockMax returns the largest v over the block (NaN ignored).
__device__ float blockMax(float v, float *sh) {
	sh[threadIdx.x] = v;
	__syncthreads();
	for (int s = kBlock / 2; s > 0; s >>= 1) {
		if (threadIdx.x < s) sh[threadIdx.x] = fmaxf(sh[threadIdx.x], sh[threadIdx.x + s]);
		__syncthreads();
	}
	float r = sh[0];
	__syncthreads();
	return r;
}

// ---- fused lm-head ----

// headInit resets the running state of n rows.
__global__ void headInit(int n, float *mx, double *s, double *u) {
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n) {
		mx[i] = -INFINITY;
		s[i] = 0;
		u[i] = 0;
	}
}

// headAccumulate folds row blockIdx.x's tile of vt logits (z, row-major,
// rows vt apart) into its running maximum m, s = Σ exp(z − m) and
// u = Σ exp(z − m)(z − m), rescaling them when the tile raises the maximum,
// and records the target's logit (tgt relative to the tile start v0).
__global__ void headAccumulate(int vt, int v0, const float *z, const int32_t *tgt, float *mx, float *zt,
                               double *s, double *u) {
	__shared__ double shd[kBlock];
	__shared__ float shf[kBlock];
	int i = blockIdx.x;
	const float *zi = z + (size_t)i * vt;
	float tm = -INFINITY;
	for (int j = threadIdx.x; j < vt; j += kBlock) tm = fmaxf(tm, zi[j]);
	tm = blockMax(tm, shf);
	float m = mx[i];
	if (tm > m) {
		if (threadIdx.x == 0 && s[i] != 0) {
			double c = exp((double)(m - tm));
			u[i] = c * (u[i] + s[i] * (double)(m - tm));
			s[i] *= c;
		}
		m = tm;
	}
	double se = 0, ue = 0;
	for (int j = threadIdx.x; j < vt; j += kBlock) {
		float d = zi[j] - m;
		float e = expf(d);
		se += e;
		ue += (double)(e * d);
	}
	se = blockSum(se, shd);
	ue = blockSum(ue, shd);
	if (threadIdx.x == 0) {
		mx[i] = m;
		s[i] += se;
		u[i] += ue;
		int t = tgt[i] - v0;
		if (t >= 0 && t < vt) zt[i] = zi[t];
	}
}

// headFinish writes each row's log-sum-exp, log-prob and entropy.
__global__ void headFinish(int n, const float *mx, const double *s, const double *u, const float *zt, double *lse,
                           double *logp, double *ent) {
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n) {
		double l = (double)mx[i] + log(s[i]);
		lse[i] = l;
		logp[i] = (double)zt[i] - l;
		if (ent) ent[i] = log(s[i]) - u[i] / s[i];
	}
}

// headGrad turns a tile of logits (n rows of vt) into ∂loss/∂z:
// g·(1[v = t] − p) − gH·p·(z − E_p z), p = exp(z − lse), E_p z = lse − H.
__global__ void headGrad(int n, int vt, int v0, float *z, const int32_t *tgt, const double *g, const double *gH,
                         const double *lse, const double *ent) {
	size_t total = (size_t)n * vt;
	for (size_t k = (size_t)blockIdx.x * blockDim.x + threadIdx.x; k < total; k += (size_t)gridDim.x * blockDim.x) {
		int i = (int)(k / vt), v = (int)(k % vt);
		float zv = z[k];
		float p = expf(zv - (float)lse[i]);
		float gi = (float)g[i];
		float d = -p * gi;
		if (gH) d -= (float)gH[i] * p * (zv - (float)(lse[i] - ent[i]));
		if (v0 + v == tgt[i]) d += gi;
		z[k] = d;
	}
}

// ---- losses (float64, one block per sequence of a padded B×T batch) ----

__device__ bool counted(const double *mask, size_t j) { return mask == nullptr || mask[j] != 0; }

constexpr double kMaxLogRatio = 20; // policy's clamp of log-ratios
constexpr double kK3Max = 10;       // verl's cap of the k3 estimate

// grpoTokens is PG's fused token loop for the token-level PPO clip with
// an optional k3 KL penalty (coefficient beta): per counted token
// ρ = lp − old clamped to ±20 (live = 0 where clamped), r = e^ρ,
// ℓ = −min(r·A, clip(r, lo, hi)·A) (capped at −dual·A for A < 0 when
// dual > 0) + β·k3(ref − lp); grad = w_i·(live·∂ℓ/∂log r + β·∂k3/∂lp).
// It writes per row [loss, ratio, approx-KL, KL, low clips, high clips].
__global__ void grpoTokens(int T, const double *lp, const double *old, const double *ref, const double *mask,
                           const double *adv, int advPerToken, const double *w, double lo, double hi, double dual,
                           double beta, double *grad, double *rows) {
	__shared__ double sh[kBlock];
	int i = blockIdx.x;
	size_t row = (size_t)i * T;
	double sl = 0, sr = 0, sa = 0, sk = 0, nlo = 0, nhi = 0;
	for (int t = threadIdx.x; t < T; t += kBlock) {
		size_t j = row + t;
		if (!counted(mask, j)) {
			if (grad) grad[j] = 0;
			continue;
		}
		double rho = lp[j] - old[j], live = 1;
		if (rho > kMaxLogRatio) rho = kMaxLogRatio, live = 0;
		if (rho < -kMaxLogRatio) rho = -kMaxLogRatio, live = 0;
		double r = exp(rho), a = advPerToken ? adv[j] : adv[i];
		sr += r;
		sa += r - 1 - rho;
		double l, g = 0;
		if (a >= 0) {
			if (r > hi) {
				l = -a * hi;
				if (a > 0) nhi++;
			} else {
				l = -a * r;
				g = l * live;
			}
		} else if (r < lo) {
			l = -a * lo;
			nlo++;
		} else {
			l = -a * r;
			g = l * live;
			if (dual > 0 && l > -dual * a) l = -dual * a, g = 0;
		}
		if (beta > 0) {
			double x = ref[j] - lp[j], xc = fmin(kMaxLogRatio, fmax(-kMaxLogRatio, x));
			double ex = exp(xc), k = ex - xc - 1, gk = (x == xc) ? 1 - ex : 0;
			if (k > kK3Max) k = kK3Max, gk = 0;
			sk += k;
			l += beta * k;
			g += beta * gk;
		}
		sl += l;
		if (grad) grad[j] = w[i] * g;
	}
	double v[6] = {sl, sr, sa, sk, nlo, nhi};
	for (int q = 0; q < 6; q++) {
		double s = blockSum(v[q], sh);
		if (threadIdx.x == 0) rows[(size_t)i * 6 + q] = s;
	}
}

// nftTokens is NFT's token loop with each row's constants prm[i] =
// [correct, inv, a, eps, gCorrect, gNeg]: ρ = lp − old, R = e^{clamp(ρ)};
// correct rows add −ρ and get gCorrect; incorrect rows add
// −log max(x, ε), x = inv − a·R, and get live·gNeg·R/max(x, ε). Per row it
// writes [loss, ratio, approx-KL, clipped].
__global__ void nftTokens(int T, const double *lp, const double *old, const double *mask, const double *prm,
                          double *grad, double *rows) {
	__shared__ double sh[kBlock];
	int i = blockIdx.x;
	size_t row = (size_t)i * T;
	const double *p = prm + (size_t)i * 6;
	bool correct = p[0] != 0;
	double sl = 0, sr = 0, sa = 0, nc = 0;
	for (int t = threadIdx.x; t < T; t += kBlock) {
		size_t j = row + t;
		if (!counted(mask, j)) {
			if (grad) grad[j] = 0;
			continue;
		}
		double rho = lp[j] - old[j], rc = fmin(kMaxLogRatio, fmax(-kMaxLogRatio, rho));
		double live = rc == rho ? 1 : 0, R = exp(rc);
		sr += R;
		sa += R - 1 - rc;
		if (correct) {
			sl -= rho;
			if (grad) grad[j] = p[4];
			continue;
		}
		double x = p[1] - p[2] * R, xm = fmax(x, p[3]);
		if (x <= p[3]) nc++;
		sl -= log(xm);
		if (grad) grad[j] = live * p[5] * R / xm;
	}
	double v[4] = {sl, sr, sa, nc};
	for (int q = 0; q < 4; q++) {
		double s = blockSum(v[q], sh);
		if (threadIdx.x == 0) rows[(size_t)i * 4 + q] = s;
	}
}

// rowDiff writes each row's Σ_t m_t(lp_t − ref_t) (DPO's log-ratio).
__global__ void rowDiff(int T, const double *lp, const double *ref, const double *mask, double *x) {
	__shared__ double sh[kBlock];
	size_t row = (size_t)blockIdx.x * T;
	double s = 0;
	for (int t = threadIdx.x; t < T; t += kBlock)
		if (counted(mask, row + t)) s += lp[row + t] - ref[row + t];
	s = blockSum(s, sh);
	if (threadIdx.x == 0) x[blockIdx.x] = s;
}

// scaleMask writes grad_j = coef_i·m_j for every token j of row i.
__global__ void scaleMask(int B, int T, const double *coef, const double *mask, double *grad) {
	size_t total = (size_t)B * T;
	for (size_t j = (size_t)blockIdx.x * blockDim.x + threadIdx.x; j < total; j += (size_t)gridDim.x * blockDim.x)
		grad[j] = counted(mask, j) ? coef[j / T] : 0;
}

int blocksFor(size_t n) { return (int)((n + kBlock - 1) / kBlock < 65535 ? (n + kBlock - 1) / kBlock : 65535); }

} // namespace

extern "C" {

int evHeadInit(cudaStream_t st, int n, float *mx, double *s, double *u) {
	headInit<<<blocksFor(n), kBlock, 0, st>>>(n, mx, s, u);
	return (int)cudaGetLastError();
}

int evHeadAccumulate(cudaStream_t st, int n, int vt, int v0, const float *z, const int32_t *tgt, float *mx, float *zt,
                     double *s, double *u) {
	headAccumulate<<<n, kBlock, 0, st>>>(vt, v0, z, tgt, mx, zt, s, u);
	return (int)cudaGetLastError();
}

int evHeadFinish(cudaStream_t st, int n, const float *mx, const double *s, const double *u, const float *zt,
                 double *lse, double *logp, double *ent) {
	headFinish<<<blocksFor(n), kBlock, 0, st>>>(n, mx, s, u, zt, lse, logp, ent);
	return (int)cudaGetLastError();
}

int evHeadGrad(cudaStream_t st, int n, int vt, int v0, float *z, const int32_t *tgt, const double *g,
               const double *gH, const double *lse, const double *ent) {
	headGrad<<<blocksFor((size_t)n * vt), kBlock, 0, st>>>(n, vt, v0, z, tgt, g, gH, lse, ent);
	return (int)cudaGetLastError();
}

int evGRPOTokens(cudaStream_t st, int B, int T, const double *lp, const double *old, const double *ref,
                 const double *mask, const double *adv, int advPerToken, const double *w, double lo, double hi,
                 double dual, double beta, double *grad, double *rows) {
	grpoTokens<<<B, kBlock, 0, st>>>(T, lp, old, ref, mask, adv, advPerToken, w, lo, hi, dual, beta, grad, rows);
	return (int)cudaGetLastError();
}

int evNFTTokens(cudaStream_t st, int B, int T, const double *lp, const double *old, const double *mask,
                const double *prm, double *grad, double *rows) {
	nftTokens<<<B, kBlock, 0, st>>>(T, lp, old, mask, prm, grad, rows);
	return (int)cudaGetLastError();
}

int evRowDiff(cudaStream_t st, int B, int T, const double *lp, const double *ref, const double *mask, double *x) {
	rowDiff<<<B, kBlock, 0, st>>>(T, lp, ref, mask, x);
	return (int)cudaGetLastError();
}

int evScaleMask(cudaStream_t st, int B, int T, const double *coef, const double *mask, double *grad) {
	scaleMask<<<blocksFor((size_t)B * T), kBlock, 0, st>>>(B, T, coef, mask, grad);
	return (int)cudaGetLastError();
}

} // extern "C"
