// The C entry points of kernels.cu (libevolvecuda.a), for the cgo
// preambles of package cuda. Each launches on the given stream and returns
// the cudaError_t of the launch.
#include <cuda_runtime.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

int evHeadInit(cudaStream_t st, int n, float *mx, double *s, double *u);
int evHeadAccumulate(cudaStream_t st, int n, int vt, int v0, const float *z, const int32_t *tgt, float *mx,
	float *zt, double *s, double *u);
int evHeadFinish(cudaStream_t st, int n, const float *mx, const double *s, const double *u, const float *zt,
	double *lse, double *logp, double *ent);
int evHeadGrad(cudaStream_t st, int n, int vt, int v0, float *z, const int32_t *tgt, const double *g,
	const double *gH, const double *lse, const double *ent);
int evGRPOTokens(cudaStream_t st, int B, int T, const double *lp, const double *old, const double *ref,
	const double *mask, const double *adv, int advPerToken, const double *w, double lo, double hi, double dual,
	double beta, double *grad, double *rows);
int evNFTTokens(cudaStream_t st, int B, int T, const double *lp, const double *old, const double *mask,
	const double *prm, double *grad, double *rows);
int evRowDiff(cudaStream_t st, int B, int T, const double *lp, const double *ref, const double *mask, double *x);
int evScaleMask(cudaStream_t st, int B, int T, const double *coef, const double *mask, double *grad);

#ifdef __cplusplus
}
#endif
