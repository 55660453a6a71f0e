//go:build amd64 && !purego

#include "textflag.h"

// Four float64 ones: the mask of a row without one.
DATA  ones<>+0(SB)/8, $0x3ff0000000000000
DATA  ones<>+8(SB)/8, $0x3ff0000000000000
DATA  ones<>+16(SB)/8, $0x3ff0000000000000
DATA  ones<>+24(SB)/8, $0x3ff0000000000000
GLOBL ones<>(SB), RODATA|NOPTR, $32

// Each body runs over len/4 blocks of four float64, one lane per element of
// a block, and keeps one accumulator register per sum, so that lane k adds
// the elements t ≡ k (mod 4) in increasing t, as the portable bodies do.
// Multiplications and additions stay separate (no fused multiply-add) for
// the same bits.

// func diffSumAVX2(a, c []float64, l *[4]float64)
TEXT ·diffSumAVX2(SB), NOSPLIT, $0-56
	MOVQ   a_base+0(FP), SI
	MOVQ   a_len+8(FP), CX
	MOVQ   c_base+24(FP), DI
	MOVQ   l+48(FP), R8
	VXORPD Y0, Y0, Y0
	SHRQ   $2, CX
	JZ     dsdone

dsloop:
	VMOVUPD (SI), Y3
	VSUBPD  (DI), Y3, Y3
	VADDPD  Y3, Y0, Y0
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     dsloop

dsdone:
	VMOVUPD Y0, (R8)
	VZEROUPPER
	RET

// func maskedDiffSumAVX2(a, c, m []float64, l *[4]float64) (n float64, bad uint64)
TEXT ·maskedDiffSumAVX2(SB), NOSPLIT, $0-96
	MOVQ   a_base+0(FP), SI
	MOVQ   a_len+8(FP), CX
	MOVQ   c_base+24(FP), DI
	MOVQ   m_base+48(FP), DX
	MOVQ   l+72(FP), R8
	VXORPD Y0, Y0, Y0 // Σ m(a−c)
	VXORPD Y1, Y1, Y1 // Σ m
	VXORPD Y2, Y2, Y2 // OR of m·m − m
	SHRQ   $2, CX
	JZ     mdsdone

mdsloop:
	VMOVUPD (SI), Y3
	VSUBPD  (DI), Y3, Y3
	VMOVUPD (DX), Y4
	VMULPD  Y3, Y4, Y3
	VADDPD  Y3, Y0, Y0
	VADDPD  Y4, Y1, Y1
	VMULPD  Y4, Y4, Y5
	VSUBPD  Y4, Y5, Y5
	VORPD   Y5, Y2, Y2
	ADDQ    $32, SI
	ADDQ    $32, DI
	ADDQ    $32, DX
	DECQ    CX
	JNZ     mdsloop

mdsdone:
	VMOVUPD      Y0, (R8)
	VEXTRACTF128 $1, Y1, X3
	VADDPD       X3, X1, X1
	VPERMILPD    $1, X1, X3
	VADDSD       X3, X1, X1
	VMOVSD       X1, n+80(FP)
	VEXTRACTF128 $1, Y2, X3
	VORPD        X3, X2, X2
	VPERMILPD    $1, X2, X3
	VORPD        X3, X2, X2
	VMOVQ        X2, bad+88(FP)
	VZEROUPPER
	RET

// func sumAVX2(a []float64, l *[2]float64)
// Two lanes: the low and high halves of each block go into one 128-bit
// accumulator, in that order.
TEXT ·sumAVX2(SB), NOSPLIT, $0-32
	MOVQ   a_base+0(FP), SI
	MOVQ   a_len+8(FP), CX
	MOVQ   l+24(FP), R8
	VXORPD X0, X0, X0
	SHRQ   $2, CX
	JZ     sdone

sloop:
	VMOVUPD (SI), X3
	VMOVUPD 16(SI), X4
	VADDPD  X3, X0, X0
	VADDPD  X4, X0, X0
	ADDQ    $32, SI
	DECQ    CX
	JNZ     sloop

sdone:
	VMOVUPD X0, (R8)
	VZEROUPPER
	RET

// func maskedSumAVX2(a, m []float64, l *[2]float64) (n float64, bad uint64)
TEXT ·maskedSumAVX2(SB), NOSPLIT, $0-72
	MOVQ   a_base+0(FP), SI
	MOVQ   a_len+8(FP), CX
	MOVQ   m_base+24(FP), DX
	MOVQ   l+48(FP), R8
	VXORPD Y0, Y0, Y0 // Σ m·a, two lanes
	VXORPD Y1, Y1, Y1 // Σ m
	VXORPD Y2, Y2, Y2 // OR of m·m − m
	SHRQ   $2, CX
	JZ     msdone

msloop:
	VMOVUPD      (DX), Y4
	VMULPD       (SI), Y4, Y3
	VEXTRACTF128 $1, Y3, X6
	VADDPD       X3, X0, X0
	VADDPD       X6, X0, X0
	VADDPD       Y4, Y1, Y1
	VMULPD       Y4, Y4, Y5
	VSUBPD       Y4, Y5, Y5
	VORPD        Y5, Y2, Y2
	ADDQ         $32, SI
	ADDQ         $32, DX
	DECQ         CX
	JNZ          msloop

msdone:
	VMOVUPD      X0, (R8)
	VEXTRACTF128 $1, Y1, X3
	VADDPD       X3, X1, X1
	VPERMILPD    $1, X1, X3
	VADDSD       X3, X1, X1
	VMOVSD       X1, n+56(FP)
	VEXTRACTF128 $1, Y2, X3
	VORPD        X3, X2, X2
	VPERMILPD    $1, X2, X3
	VORPD        X3, X2, X2
	VMOVQ        X2, bad+64(FP)
	VZEROUPPER
	RET

// func fillAVX2(g []float64, c float64)
TEXT ·fillAVX2(SB), NOSPLIT, $0-32
	MOVQ         g_base+0(FP), DI
	MOVQ         g_len+8(FP), CX
	VBROADCASTSD c+24(FP), Y0
	SHRQ         $2, CX
	JZ           fdone

floop:
	VMOVUPD Y0, (DI)
	ADDQ    $32, DI
	DECQ    CX
	JNZ     floop

fdone:
	VZEROUPPER
	RET

// func scaleMaskAVX2(g, m []float64, c float64)
TEXT ·scaleMaskAVX2(SB), NOSPLIT, $0-56
	MOVQ         g_base+0(FP), DI
	MOVQ         g_len+8(FP), CX
	MOVQ         m_base+24(FP), DX
	VBROADCASTSD c+48(FP), Y0
	SHRQ         $2, CX
	JZ           smdone

smloop:
	VMULPD  (DX), Y0, Y1
	VMOVUPD Y1, (DI)
	ADDQ    $32, DX
	ADDQ    $32, DI
	DECQ    CX
	JNZ     smloop

smdone:
	VZEROUPPER
	RET

// The clip bodies compute per block, with d = lp − ref and o = old − ref,
// lo = o − ε and hi = o + ε: out = (d < lo) | (d > hi) (ordered compares,
// false on NaN, as Go's < and >) and the clipped value min(max(d, lo), hi),
// which equals the portable code's (d when d is NaN or inside, signed
// zeros included) since lo ≤ hi.
//
// clipLanes: s at 0, sc at 32, chk at 64, n at 96, clipped at 104.

// func clipSumsAVX2(lp, ref, old []float64, eps float64, a *clipLanes)
TEXT ·clipSumsAVX2(SB), NOSPLIT, $0-88
	MOVQ         lp_base+0(FP), SI
	MOVQ         lp_len+8(FP), CX
	MOVQ         ref_base+24(FP), DI
	MOVQ         old_base+48(FP), BX
	VBROADCASTSD eps+72(FP), Y15
	MOVQ         a+80(FP), R8
	MOVQ         $0x3ff0000000000000, AX
	MOVQ         AX, X14
	VBROADCASTSD X14, Y14 // 1.0
	VXORPD       Y0, Y0, Y0 // Σ d
	VXORPD       Y1, Y1, Y1 // Σ clip(d)
	VXORPD       Y2, Y2, Y2 // Σ o
	VXORPD       Y4, Y4, Y4 // clipped
	SHRQ         $2, CX
	MOVQ         CX, R9
	JZ           csdone

csloop:
	VMOVUPD (DI), Y6
	VMOVUPD (SI), Y7
	VSUBPD  Y6, Y7, Y7 // d
	VMOVUPD (BX), Y8
	VSUBPD  Y6, Y8, Y8 // o
	VSUBPD  Y15, Y8, Y9 // lo
	VADDPD  Y15, Y8, Y10 // hi
	VCMPPD  $0x11, Y9, Y7, Y11 // d < lo
	VCMPPD  $0x1e, Y10, Y7, Y12 // d > hi
	VORPD   Y12, Y11, Y11
	VANDPD  Y14, Y11, Y11
	VADDPD  Y11, Y4, Y4
	VMAXPD  Y7, Y9, Y12 // max(lo, d): d when either is NaN or both are zeros
	VMINPD  Y12, Y10, Y12 // min(hi, ·), likewise
	VADDPD  Y7, Y0, Y0
	VADDPD  Y12, Y1, Y1
	VADDPD  Y8, Y2, Y2
	ADDQ    $32, SI
	ADDQ    $32, DI
	ADDQ    $32, BX
	DECQ    CX
	JNZ     csloop

csdone:
	VMOVUPD      Y0, 0(R8)
	VMOVUPD      Y1, 32(R8)
	VMOVUPD      Y2, 64(R8)
	VEXTRACTF128 $1, Y4, X3
	VADDPD       X3, X4, X4
	VPERMILPD    $1, X4, X3
	VADDSD       X3, X4, X4
	VMOVSD       X4, 104(R8)
	VZEROUPPER
	SHLQ         $2, R9
	CVTSQ2SD     R9, X3
	MOVSD        X3, 96(R8)
	RET

// func maskedClipSumsAVX2(lp, ref, old, m []float64, eps float64, a *clipLanes) (bad uint64)
TEXT ·maskedClipSumsAVX2(SB), NOSPLIT, $0-120
	MOVQ         lp_base+0(FP), SI
	MOVQ         lp_len+8(FP), CX
	MOVQ         ref_base+24(FP), DI
	MOVQ         old_base+48(FP), BX
	MOVQ         m_base+72(FP), DX
	VBROADCASTSD eps+96(FP), Y15
	MOVQ         a+104(FP), R8
	VXORPD       Y0, Y0, Y0 // Σ m·d
	VXORPD       Y1, Y1, Y1 // Σ m·clip(d)
	VXORPD       Y2, Y2, Y2 // Σ o
	VXORPD       Y3, Y3, Y3 // Σ m
	VXORPD       Y4, Y4, Y4 // clipped
	VXORPD       Y5, Y5, Y5 // OR of m·m − m
	SHRQ         $2, CX
	JZ           mcsdone

mcsloop:
	VMOVUPD (DI), Y6
	VMOVUPD (SI), Y7
	VSUBPD  Y6, Y7, Y7 // d
	VMOVUPD (BX), Y8
	VSUBPD  Y6, Y8, Y8 // o
	VMOVUPD (DX), Y13 // m
	VSUBPD  Y15, Y8, Y9 // lo
	VADDPD  Y15, Y8, Y10 // hi
	VCMPPD  $0x11, Y9, Y7, Y11 // d < lo
	VCMPPD  $0x1e, Y10, Y7, Y12 // d > hi
	VORPD   Y12, Y11, Y11
	VANDPD  Y13, Y11, Y11
	VADDPD  Y11, Y4, Y4
	VMAXPD  Y7, Y9, Y12 // max(lo, d): d when either is NaN or both are zeros
	VMINPD  Y12, Y10, Y12 // min(hi, ·), likewise
	VMULPD  Y7, Y13, Y7
	VADDPD  Y7, Y0, Y0
	VMULPD  Y12, Y13, Y12
	VADDPD  Y12, Y1, Y1
	VADDPD  Y8, Y2, Y2
	VADDPD  Y13, Y3, Y3
	VMULPD  Y13, Y13, Y6
	VSUBPD  Y13, Y6, Y6
	VORPD   Y6, Y5, Y5
	ADDQ    $32, SI
	ADDQ    $32, DI
	ADDQ    $32, BX
	ADDQ    $32, DX
	DECQ    CX
	JNZ     mcsloop

mcsdone:
	VMOVUPD      Y0, 0(R8)
	VMOVUPD      Y1, 32(R8)
	VMOVUPD      Y2, 64(R8)
	VEXTRACTF128 $1, Y3, X6
	VADDPD       X6, X3, X3
	VPERMILPD    $1, X3, X6
	VADDSD       X6, X3, X3
	VMOVSD       X3, 96(R8)
	VEXTRACTF128 $1, Y4, X6
	VADDPD       X6, X4, X4
	VPERMILPD    $1, X4, X6
	VADDSD       X6, X4, X4
	VMOVSD       X4, 104(R8)
	VEXTRACTF128 $1, Y5, X6
	VORPD        X6, X5, X5
	VPERMILPD    $1, X5, X6
	VORPD        X6, X5, X5
	VMOVQ        X5, bad+112(FP)
	VZEROUPPER
	RET

// func clipGradAVX2(g, lp, ref, old []float64, eps, c, both float64)
TEXT ·clipGradAVX2(SB), NOSPLIT, $0-120
	MOVQ         g_base+0(FP), R10
	MOVQ         g_len+8(FP), CX
	MOVQ         lp_base+24(FP), SI
	MOVQ         ref_base+48(FP), DI
	MOVQ         old_base+72(FP), BX
	VBROADCASTSD eps+96(FP), Y15
	VBROADCASTSD c+104(FP), Y14
	VBROADCASTSD both+112(FP), Y13
	SHRQ         $2, CX
	JZ           cgdone

cgloop:
	VMOVUPD   (DI), Y6
	VMOVUPD   (SI), Y7
	VSUBPD    Y6, Y7, Y7 // d
	VMOVUPD   (BX), Y8
	VSUBPD    Y6, Y8, Y8 // o
	VSUBPD    Y15, Y8, Y9 // lo
	VADDPD    Y15, Y8, Y10 // hi
	VCMPPD    $0x11, Y9, Y7, Y11 // d < lo
	VCMPPD    $0x1e, Y10, Y7, Y12 // d > hi
	VORPD     Y12, Y11, Y11
	VBLENDVPD Y11, Y14, Y13, Y0 // out ? c : both
	VMOVUPD   Y0, (R10)
	ADDQ      $32, SI
	ADDQ      $32, DI
	ADDQ      $32, BX
	ADDQ      $32, R10
	DECQ      CX
	JNZ       cgloop

cgdone:
	VZEROUPPER
	RET

// func maskedClipGradAVX2(g, lp, ref, old, m []float64, eps, c, both float64)
TEXT ·maskedClipGradAVX2(SB), NOSPLIT, $0-144
	MOVQ         g_base+0(FP), R10
	MOVQ         g_len+8(FP), CX
	MOVQ         lp_base+24(FP), SI
	MOVQ         ref_base+48(FP), DI
	MOVQ         old_base+72(FP), BX
	MOVQ         m_base+96(FP), DX
	VBROADCASTSD eps+120(FP), Y15
	VBROADCASTSD c+128(FP), Y14
	VBROADCASTSD both+136(FP), Y13
	SHRQ         $2, CX
	JZ           mcgdone

mcgloop:
	VMOVUPD   (DI), Y6
	VMOVUPD   (SI), Y7
	VSUBPD    Y6, Y7, Y7 // d
	VMOVUPD   (BX), Y8
	VSUBPD    Y6, Y8, Y8 // o
	VSUBPD    Y15, Y8, Y9 // lo
	VADDPD    Y15, Y8, Y10 // hi
	VCMPPD    $0x11, Y9, Y7, Y11 // d < lo
	VCMPPD    $0x1e, Y10, Y7, Y12 // d > hi
	VORPD     Y12, Y11, Y11
	VBLENDVPD Y11, Y14, Y13, Y0 // out ? c : both
	VMULPD    (DX), Y0, Y0
	VMOVUPD   Y0, (R10)
	ADDQ      $32, SI
	ADDQ      $32, DI
	ADDQ      $32, BX
	ADDQ      $32, DX
	ADDQ      $32, R10
	DECQ      CX
	JNZ       mcgloop

mcgdone:
	VZEROUPPER
	RET

// func expDiffAVX2(dst, a, b []float64, lim float64, tab *[256]uint64, c *[8]float64)
// dst = ExpSmall(clamp(a − b, −lim, lim)), block by block: the operations
// of ExpSmall in the same order, the table read by a gather. The integer
// part k enters the exponent through (k >> 8) << 52, whose bits a logical
// shift gives as well as the arithmetic one.
TEXT ·expDiffAVX2(SB), NOSPLIT, $0-96
	MOVQ         dst_base+0(FP), R10
	MOVQ         dst_len+8(FP), CX
	MOVQ         a_base+24(FP), SI
	MOVQ         b_base+48(FP), DI
	VBROADCASTSD lim+72(FP), Y15 // lim
	MOVQ         tab+80(FP), AX
	MOVQ         c+88(FP), DX
	VXORPD       Y14, Y14, Y14
	VSUBPD       Y15, Y14, Y14 // −lim
	VBROADCASTSD 0(DX), Y13 // 256/ln2
	VBROADCASTSD 8(DX), Y12 // shift
	VBROADCASTSD 16(DX), Y11 // ln2 hi / 256
	VBROADCASTSD 24(DX), Y10 // ln2 lo / 256
	VBROADCASTSD 32(DX), Y9 // 1/6
	VBROADCASTSD 40(DX), Y8 // 1/24
	VBROADCASTSD 48(DX), Y7 // 0.5
	VBROADCASTSD 56(DX), Y6 // 1
	SHRQ         $2, CX
	JZ           edone

eloop:
	VMOVUPD    (SI), Y0
	VSUBPD     (DI), Y0, Y0 // x
	VMINPD     Y0, Y15, Y0 // min(lim, x): x when NaN
	VMAXPD     Y0, Y14, Y0 // max(−lim, ·)
	VMULPD     Y13, Y0, Y1
	VADDPD     Y12, Y1, Y1 // kf; its bits hold k
	VSUBPD     Y12, Y1, Y2 // kf − shift
	VMULPD     Y11, Y2, Y3
	VSUBPD     Y3, Y0, Y3 // x − kf·ln2HiN
	VMULPD     Y10, Y2, Y4
	VSUBPD     Y4, Y3, Y3 // r
	VMULPD     Y3, Y3, Y4 // r²
	VMULPD     Y9, Y3, Y5
	VADDPD     Y7, Y5, Y5 // 0.5 + r/6
	VMULPD     Y8, Y4, Y2
	VADDPD     Y2, Y5, Y5 // (0.5 + r/6) + r²/24
	VMULPD     Y5, Y4, Y5 // r²·(…)
	VADDPD     Y6, Y3, Y3 // 1 + r
	VADDPD     Y5, Y3, Y3 // polynomial
	VPSRLQ     $8, Y1, Y2
	VPSLLQ     $52, Y2, Y2 // (k >> 8) << 52
	VPSLLQ     $56, Y1, Y1
	VPSRLQ     $56, Y1, Y1 // k & 255
	VPCMPEQQ   Y5, Y5, Y5
	VPGATHERQQ Y5, (AX)(Y1*8), Y4
	VPADDQ     Y2, Y4, Y4 // 2^(k/256)
	VMULPD     Y3, Y4, Y4
	VMOVUPD    Y4, (R10)
	ADDQ       $32, SI
	ADDQ       $32, DI
	ADDQ       $32, R10
	DECQ       CX
	JNZ        eloop

edone:
	VZEROUPPER
	RET

// EXPB sets O = ExpSmall(X) lane by lane, as expDiffAVX2 does, with the
// constants of ExpSmall at 64(R8)… (tokenClipConsts 2 to 9), the table at
// AX and T1…T4 clobbered; O must differ from X and T1…T4.
#define EXPB(X, O, T1, T2, T3, T4) \
	VMULPD     64(R8), X, T1 \
	VADDPD     96(R8), T1, T1 \
	VSUBPD     96(R8), T1, T2 \
	VMULPD     128(R8), T2, T3 \
	VSUBPD     T3, X, T3 \
	VMULPD     160(R8), T2, T4 \
	VSUBPD     T4, T3, T3 \
	VMULPD     T3, T3, T4 \
	VMULPD     192(R8), T3, O \
	VADDPD     256(R8), O, O \
	VMULPD     224(R8), T4, T2 \
	VADDPD     T2, O, O \
	VMULPD     O, T4, O \
	VADDPD     288(R8), T3, T3 \
	VADDPD     O, T3, T3 \
	VPSRLQ     $8, T1, T2 \
	VPSLLQ     $52, T2, T2 \
	VPSLLQ     $56, T1, T1 \
	VPSRLQ     $56, T1, T1 \
	VPCMPEQQ   T4, T4, T4 \
	VPGATHERQQ T4, (AX)(T1*8), O \
	VPADDQ     T2, O, O \
	VMULPD     T3, O, O

// func tokenClipAVX2(g, lp, old, ref, m []float64, k *tokenClipConsts, tab *[256]uint64, kl int, s *TokenClipSums)
// tokenClipConsts (32 bytes each): 0 lim, 32 −lim, 64…288 ExpSmall's,
// 320 hi, 352 lo, 384 −A, 416 A ≥ 0 mask, 448 A < 0 mask, 480 dual cap,
// 512 clipped loss, 544 clipped count, 576 β, 608 W, 640 10.
// TokenClipSums: Loss 0, Ratio 32, AKL 64, KL 96, Chk 128, Clipped 160.
TEXT ·tokenClipAVX2(SB), NOSPLIT, $0-152
	MOVQ   g_base+0(FP), R10
	MOVQ   lp_base+24(FP), SI
	MOVQ   lp_len+32(FP), CX
	MOVQ   old_base+48(FP), DI
	MOVQ   ref_base+72(FP), BX
	MOVQ   m_base+96(FP), DX
	MOVQ   k+120(FP), R8
	MOVQ   tab+128(FP), AX
	MOVQ   kl+136(FP), R11
	MOVQ   s+144(FP), R9
	MOVQ   R10, R12 // 0: no gradient to write
	MOVQ   $32, R13 // mask stride
	TESTQ  DX, DX
	JNZ    tcmask
	LEAQ   ones<>(SB), DX // no mask: every token counts
	XORQ   R13, R13

tcmask:
	VXORPD Y0, Y0, Y0 // loss
	VXORPD Y1, Y1, Y1 // ratio
	VXORPD Y2, Y2, Y2 // approximate KL
	VXORPD Y3, Y3, Y3 // k3 KL
	VXORPD Y4, Y4, Y4 // clipped
	VXORPD Y5, Y5, Y5 // check sum
	SHRQ   $2, CX
	JZ     tcdone

tcloop:
	VMOVUPD (SI), Y6
	VSUBPD  (DI), Y6, Y7 // ρ = lp − old
	VADDPD  Y7, Y5, Y5
	VXORPD  Y14, Y14, Y14
	VCMPPD  $4, (DX), Y14, Y13 // counted: m ≠ 0 (NaN counts)
	VCMPPD  $0x0a, 0(R8), Y7, Y8 // !(ρ > lim)
	VCMPPD  $5, 32(R8), Y7, Y9 // !(ρ < −lim)
	VANDPD  Y9, Y8, Y8
	VANDPD  288(R8), Y8, Y8 // live: 1 or 0
	VMOVUPD 0(R8), Y9
	VMINPD  Y7, Y9, Y9
	VMOVUPD 32(R8), Y14
	VMAXPD  Y9, Y14, Y9 // ρ clamped
	EXPB(Y9, Y12, Y6, Y7, Y10, Y11) // r
	VANDPD  Y13, Y12, Y14
	VADDPD  Y14, Y1, Y1 // ratio += r
	VSUBPD  288(R8), Y12, Y14
	VSUBPD  Y9, Y14, Y14
	VANDPD  Y13, Y14, Y14
	VADDPD  Y14, Y2, Y2 // akl += r − 1 − ρ

	// Surrogate: out = A ≥ 0 ? r > hi : r < lo.
	VCMPPD    $0x1e, 320(R8), Y12, Y6
	VANDPD    416(R8), Y6, Y6
	VCMPPD    $0x11, 352(R8), Y12, Y7
	VANDPD    448(R8), Y7, Y7
	VORPD     Y7, Y6, Y6 // out
	VMULPD    384(R8), Y12, Y7 // l = −A·r
	VMULPD    Y8, Y7, Y9 // g = l·live
	VCMPPD    $0x1e, 480(R8), Y7, Y10 // l > dual cap
	VBLENDVPD Y10, 480(R8), Y7, Y7
	VBLENDVPD Y6, 512(R8), Y7, Y7 // l
	VORPD     Y6, Y10, Y10
	VANDNPD   Y9, Y10, Y9 // g
	VANDPD    544(R8), Y6, Y6
	VANDPD    Y13, Y6, Y6
	VADDPD    Y6, Y4, Y4 // clipped

	CMPQ R11, $0
	JEQ  tcnokl
	VMOVUPD (BX), Y6
	VSUBPD  (SI), Y6, Y6 // x = ref − lp
	VADDPD  Y6, Y5, Y5
	VCMPPD  $0x1e, 0(R8), Y6, Y10
	VCMPPD  $0x11, 32(R8), Y6, Y11
	VORPD   Y11, Y10, Y10 // far: |x| > lim
	VMOVUPD 0(R8), Y11
	VMINPD  Y6, Y11, Y11
	VMOVUPD 32(R8), Y12
	VMAXPD  Y11, Y12, Y6 // x clamped
	EXPB(Y6, Y15, Y8, Y11, Y12, Y14) // e^x
	VSUBPD    Y6, Y15, Y11
	VSUBPD    288(R8), Y11, Y11 // kl = e^x − x − 1
	VCMPPD    $0x1e, 640(R8), Y11, Y12 // kl > 10
	VBLENDVPD Y12, 640(R8), Y11, Y11
	VMOVUPD   288(R8), Y14
	VSUBPD    Y15, Y14, Y14 // 1 − e^x
	VORPD     Y12, Y10, Y10
	VANDNPD   Y14, Y10, Y14 // gk
	VANDPD    Y13, Y11, Y12
	VADDPD    Y12, Y3, Y3 // kl sum
	VMULPD    576(R8), Y11, Y12
	VADDPD    Y12, Y7, Y7 // l += β·kl
	VMULPD    576(R8), Y14, Y14
	VADDPD    Y14, Y9, Y9 // g += β·gk

tcnokl:
	VANDPD  Y13, Y7, Y7
	VADDPD  Y7, Y0, Y0 // loss
	CMPQ    R12, $0
	JEQ     tcnog
	VMULPD  608(R8), Y9, Y9
	VANDPD  Y13, Y9, Y9 // 0 for a skipped token
	VMOVUPD Y9, (R10)

tcnog:
	ADDQ    $32, SI
	ADDQ    $32, DI
	ADDQ    $32, BX
	ADDQ    R13, DX
	ADDQ    $32, R10
	DECQ    CX
	JNZ     tcloop

tcdone:
	VMOVUPD      Y0, 0(R9)
	VMOVUPD      Y1, 32(R9)
	VMOVUPD      Y2, 64(R9)
	VMOVUPD      Y3, 96(R9)
	VMOVUPD      Y5, 128(R9)
	VEXTRACTF128 $1, Y4, X6
	VADDPD       X6, X4, X4
	VPERMILPD    $1, X4, X6
	VADDSD       X6, X4, X4
	VMOVSD       X4, 160(R9)
	VZEROUPPER
	RET

// func nftAVX2(g, lp, old, m []float64, k *nftConsts, etab *[256]uint64, ltab, linv *[128]float64, correct int, s *NFTSums)
// nftConsts (32 bytes each): 0 lim, 32 −lim, 64…288 ExpSmall's (288: 1),
// 320 Inv, 352 A, 384 Eps, 416 GCorrect, 448 GNeg, 480 mantissa mask,
// 512 2⁵², 544 2⁵² + 1023, 576 1/128, 608 1/3, 640 −1/2, 672 −1/4,
// 704 1/5, 736 −1/6, 768 Ln2Hi, 800 Ln2Lo, 832 int 127.
// NFTSums: Loss 0, Ratio 32, AKL 64, Chk 96, Clipped 128.
// The logarithm follows nftGo's (and policy's inlined one): e and j become floats
// exactly through 2⁵² + n − 2⁵², the two tables are read by gathers.
TEXT ·nftAVX2(SB), NOSPLIT, $0-144
	MOVQ   g_base+0(FP), R10
	MOVQ   R10, R12 // 0: no gradient to write
	MOVQ   lp_base+24(FP), SI
	MOVQ   lp_len+32(FP), CX
	MOVQ   old_base+48(FP), DI
	MOVQ   m_base+72(FP), DX
	MOVQ   k+96(FP), R8
	MOVQ   etab+104(FP), AX
	MOVQ   ltab+112(FP), R14
	MOVQ   linv+120(FP), R13
	MOVQ   correct+128(FP), R11
	MOVQ   s+136(FP), R9
	MOVQ   $32, BX // mask stride
	TESTQ  DX, DX
	JNZ    nfmask
	LEAQ   ones<>(SB), DX // no mask: every token counts
	XORQ   BX, BX

nfmask:
	VXORPD Y0, Y0, Y0 // loss
	VXORPD Y1, Y1, Y1 // ratio
	VXORPD Y2, Y2, Y2 // approximate KL
	VXORPD Y3, Y3, Y3 // check sum
	VXORPD Y4, Y4, Y4 // clipped
	SHRQ   $2, CX
	JZ     nfdone
	CMPQ   R11, $0
	JEQ    nfneg

nfcor:
	VMOVUPD (SI), Y5
	VSUBPD  (DI), Y5, Y6 // ρ
	VADDPD  Y6, Y3, Y3
	VXORPD  Y14, Y14, Y14
	VCMPPD  $4, (DX), Y14, Y15 // counted
	VANDPD  Y15, Y6, Y7
	VSUBPD  Y7, Y0, Y0 // loss −= ρ
	VMOVUPD 0(R8), Y8
	VMINPD  Y6, Y8, Y8
	VMOVUPD 32(R8), Y14
	VMAXPD  Y8, Y14, Y8 // ρ clamped
	EXPB(Y8, Y9, Y5, Y6, Y10, Y11) // R
	VANDPD  Y15, Y9, Y14
	VADDPD  Y14, Y1, Y1
	VSUBPD  288(R8), Y9, Y14
	VSUBPD  Y8, Y14, Y14
	VANDPD  Y15, Y14, Y14
	VADDPD  Y14, Y2, Y2
	CMPQ    R12, $0
	JEQ     nfcornog
	VANDPD  416(R8), Y15, Y14
	VMOVUPD Y14, (R10)

nfcornog:
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ BX, DX
	ADDQ $32, R10
	DECQ CX
	JNZ  nfcor
	JMP  nfdone

nfneg:
	VMOVUPD (SI), Y5
	VSUBPD  (DI), Y5, Y6 // ρ
	VADDPD  Y6, Y3, Y3
	VXORPD  Y14, Y14, Y14
	VCMPPD  $4, (DX), Y14, Y15 // counted
	VCMPPD  $0x0a, 0(R8), Y6, Y7 // !(ρ > lim)
	VCMPPD  $5, 32(R8), Y6, Y8 // !(ρ < −lim)
	VANDPD  Y8, Y7, Y7
	VANDPD  288(R8), Y7, Y7 // live: 1 or 0
	VMOVUPD 0(R8), Y8
	VMINPD  Y6, Y8, Y8
	VMOVUPD 32(R8), Y14
	VMAXPD  Y8, Y14, Y8 // ρ clamped
	EXPB(Y8, Y9, Y5, Y6, Y10, Y11) // R
	VANDPD  Y15, Y9, Y14
	VADDPD  Y14, Y1, Y1
	VSUBPD  288(R8), Y9, Y14
	VSUBPD  Y8, Y14, Y14
	VANDPD  Y15, Y14, Y14
	VADDPD  Y14, Y2, Y2
	VMULPD  352(R8), Y9, Y5
	VMOVUPD 320(R8), Y6
	VSUBPD  Y5, Y6, Y6 // x = Inv − A·R
	VCMPPD  $0x12, 384(R8), Y6, Y5 // x ≤ Eps
	VANDPD  Y15, Y5, Y5
	VANDPD  288(R8), Y5, Y5
	VADDPD  Y5, Y4, Y4
	VMOVUPD 384(R8), Y5
	VMAXPD  Y6, Y5, Y6 // xm = max(Eps, x): x when NaN
	CMPQ    R12, $0
	JEQ     nfnegnog
	VMULPD  448(R8), Y7, Y10
	VMULPD  Y9, Y10, Y10
	VDIVPD  Y6, Y10, Y10 // live·GNeg·R/xm
	VANDPD  Y15, Y10, Y10
	VMOVUPD Y10, (R10)

nfnegnog:
	// −log xm into the loss.
	VPSRLQ     $52, Y6, Y5
	VPOR       512(R8), Y5, Y5
	VSUBPD     544(R8), Y5, Y5 // e
	VPSRLQ     $45, Y6, Y7
	VPAND      832(R8), Y7, Y7 // j
	VPCMPEQQ   Y9, Y9, Y9
	VPGATHERQQ Y9, (R13)(Y7*8), Y8 // 1/c_j
	VPCMPEQQ   Y9, Y9, Y9
	VPGATHERQQ Y9, (R14)(Y7*8), Y11 // log c_j
	VPOR       512(R8), Y7, Y7
	VSUBPD     512(R8), Y7, Y7 // float j
	VADDPD     256(R8), Y7, Y7
	VMULPD     576(R8), Y7, Y7
	VADDPD     288(R8), Y7, Y7 // c_j
	VANDPD     480(R8), Y6, Y12
	VORPD      288(R8), Y12, Y12 // mantissa in [1, 2)
	VSUBPD     Y7, Y12, Y12
	VMULPD     Y8, Y12, Y12 // v
	VMULPD     Y12, Y12, Y13 // v²
	VMULPD     608(R8), Y12, Y7
	VADDPD     640(R8), Y7, Y7 // −1/2 + v/3
	VMULPD     704(R8), Y12, Y8
	VADDPD     672(R8), Y8, Y8 // −1/4 + v/5
	VMULPD     736(R8), Y13, Y9 // −v²/6
	VADDPD     Y9, Y8, Y8
	VMULPD     Y8, Y13, Y8
	VADDPD     Y8, Y7, Y7
	VMULPD     Y7, Y13, Y7
	VADDPD     Y7, Y12, Y7 // q
	VMULPD     800(R8), Y5, Y8
	VADDPD     Y8, Y7, Y7 // q + e·ln2Lo
	VADDPD     Y7, Y11, Y7 // log c_j + ·
	VMULPD     768(R8), Y5, Y8
	VADDPD     Y7, Y8, Y7 // e·ln2Hi + ·
	VANDPD     Y15, Y7, Y7
	VSUBPD     Y7, Y0, Y0
	ADDQ       $32, SI
	ADDQ       $32, DI
	ADDQ       BX, DX
	ADDQ       $32, R10
	DECQ       CX
	JNZ        nfneg

nfdone:
	VMOVUPD      Y0, 0(R9)
	VMOVUPD      Y1, 32(R9)
	VMOVUPD      Y2, 64(R9)
	VMOVUPD      Y3, 96(R9)
	VEXTRACTF128 $1, Y4, X6
	VADDPD       X6, X4, X4
	VPERMILPD    $1, X4, X6
	VADDSD       X6, X4, X4
	VMOVSD       X4, 128(R9)
	VZEROUPPER
	RET
