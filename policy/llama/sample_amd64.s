//go:build amd64 && !purego

#include "textflag.h"

// AVX2/FMA kernels of the sampler's matrix products (see sample_kernels.go).
// Every element of C accumulates its products in order p = 0, 1, …, k-1 with
// one fused multiply-add each, whichever kernel computes it, so that a row's
// result does not depend on the rows it is batched with.

// func smpCPUID(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
TEXT ·smpCPUID(SB), NOSPLIT, $0-24
	MOVL eaxArg+0(FP), AX
	MOVL ecxArg+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// func smpXGETBV() (eax, edx uint32)
TEXT ·smpXGETBV(SB), NOSPLIT, $0-8
	MOVL $0, CX
	XGETBV
	MOVL AX, eax+0(FP)
	MOVL DX, edx+4(FP)
	RET

// func smpKern4x16(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int)
// C[4×16] += A[4×k] · B[k×16]; A rows lda apart, B rows ldb apart, C rows ldc apart.
TEXT ·smpKern4x16(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R8
	MOVQ b+24(FP), DI
	MOVQ ldb+32(FP), R9
	MOVQ c+40(FP), DX
	MOVQ ldc+48(FP), R10
	SHLQ $2, R8
	SHLQ $2, R9
	SHLQ $2, R10
	LEAQ (SI)(R8*1), R11
	LEAQ (R11)(R8*1), R12
	LEAQ (R12)(R8*1), R13
	LEAQ (DX)(R10*1), R14
	LEAQ (R14)(R10*1), BX
	LEAQ (BX)(R10*1), AX
	VMOVUPS (DX), Y0
	VMOVUPS 32(DX), Y1
	VMOVUPS (R14), Y2
	VMOVUPS 32(R14), Y3
	VMOVUPS (BX), Y4
	VMOVUPS 32(BX), Y5
	VMOVUPS (AX), Y6
	VMOVUPS 32(AX), Y7
	TESTQ CX, CX
	JEQ   k4done

k4loop:
	VMOVUPS      (DI), Y8
	VMOVUPS      32(DI), Y9
	VBROADCASTSS (SI), Y10
	VBROADCASTSS (R11), Y11
	VBROADCASTSS (R12), Y12
	VBROADCASTSS (R13), Y13
	VFMADD231PS  Y8, Y10, Y0
	VFMADD231PS  Y9, Y10, Y1
	VFMADD231PS  Y8, Y11, Y2
	VFMADD231PS  Y9, Y11, Y3
	VFMADD231PS  Y8, Y12, Y4
	VFMADD231PS  Y9, Y12, Y5
	VFMADD231PS  Y8, Y13, Y6
	VFMADD231PS  Y9, Y13, Y7
	ADDQ         $4, SI
	ADDQ         $4, R11
	ADDQ         $4, R12
	ADDQ         $4, R13
	ADDQ         R9, DI
	DECQ         CX
	JNE          k4loop

k4done:
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y2, (R14)
	VMOVUPS Y3, 32(R14)
	VMOVUPS Y4, (BX)
	VMOVUPS Y5, 32(BX)
	VMOVUPS Y6, (AX)
	VMOVUPS Y7, 32(AX)
	VZEROUPPER
	RET

// func smpKern1x64(k int, a *float32, b *float32, ldb int, c *float32)
// c[0:64] += a[0:k] · B[k×64]; B rows ldb apart.
TEXT ·smpKern1x64(SB), NOSPLIT, $0-40
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ ldb+24(FP), R9
	MOVQ c+32(FP), DX
	SHLQ $2, R9
	VMOVUPS (DX), Y0
	VMOVUPS 32(DX), Y1
	VMOVUPS 64(DX), Y2
	VMOVUPS 96(DX), Y3
	VMOVUPS 128(DX), Y4
	VMOVUPS 160(DX), Y5
	VMOVUPS 192(DX), Y6
	VMOVUPS 224(DX), Y7
	TESTQ   CX, CX
	JEQ     k64done

k64loop:
	VBROADCASTSS (SI), Y8
	VFMADD231PS  (DI), Y8, Y0
	VFMADD231PS  32(DI), Y8, Y1
	VFMADD231PS  64(DI), Y8, Y2
	VFMADD231PS  96(DI), Y8, Y3
	VFMADD231PS  128(DI), Y8, Y4
	VFMADD231PS  160(DI), Y8, Y5
	VFMADD231PS  192(DI), Y8, Y6
	VFMADD231PS  224(DI), Y8, Y7
	ADDQ         $4, SI
	ADDQ         R9, DI
	DECQ         CX
	JNE          k64loop

k64done:
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y2, 64(DX)
	VMOVUPS Y3, 96(DX)
	VMOVUPS Y4, 128(DX)
	VMOVUPS Y5, 160(DX)
	VMOVUPS Y6, 192(DX)
	VMOVUPS Y7, 224(DX)
	VZEROUPPER
	RET

// func smpKern1x16(k int, a *float32, b *float32, ldb int, c *float32)
// c[0:16] += a[0:k] · B[k×16]; B rows ldb apart.
TEXT ·smpKern1x16(SB), NOSPLIT, $0-40
	MOVQ    k+0(FP), CX
	MOVQ    a+8(FP), SI
	MOVQ    b+16(FP), DI
	MOVQ    ldb+24(FP), R9
	MOVQ    c+32(FP), DX
	SHLQ    $2, R9
	VMOVUPS (DX), Y0
	VMOVUPS 32(DX), Y1
	TESTQ   CX, CX
	JEQ     k16done

k16loop:
	VBROADCASTSS (SI), Y8
	VFMADD231PS  (DI), Y8, Y0
	VFMADD231PS  32(DI), Y8, Y1
	ADDQ         $4, SI
	ADDQ         R9, DI
	DECQ         CX
	JNE          k16loop

k16done:
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VZEROUPPER
	RET

// func smpKern1x8(k int, a *float32, b *float32, ldb int, c *float32)
// c[0:8] += a[0:k] · B[k×8]; B rows ldb apart. Four partial sums (p mod 4)
// hide the latency of the fused multiply-adds; they are added at the end.
TEXT ·smpKern1x8(SB), NOSPLIT, $0-40
	MOVQ   k+0(FP), CX
	MOVQ   a+8(FP), SI
	MOVQ   b+16(FP), DI
	MOVQ   ldb+24(FP), R9
	MOVQ   c+32(FP), DX
	SHLQ   $2, R9
	VMOVUPS (DX), Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3

k8loop4:
	CMPQ         CX, $4
	JLT          k8tail
	VBROADCASTSS (SI), Y8
	VFMADD231PS  (DI), Y8, Y0
	ADDQ         R9, DI
	VBROADCASTSS 4(SI), Y9
	VFMADD231PS  (DI), Y9, Y1
	ADDQ         R9, DI
	VBROADCASTSS 8(SI), Y10
	VFMADD231PS  (DI), Y10, Y2
	ADDQ         R9, DI
	VBROADCASTSS 12(SI), Y11
	VFMADD231PS  (DI), Y11, Y3
	ADDQ         R9, DI
	ADDQ         $16, SI
	SUBQ         $4, CX
	JMP          k8loop4

k8tail:
	TESTQ        CX, CX
	JEQ          k8done
	VBROADCASTSS (SI), Y8
	VFMADD231PS  (DI), Y8, Y0
	ADDQ         $4, SI
	ADDQ         R9, DI
	DECQ         CX
	JMP          k8tail

k8done:
	VADDPS  Y1, Y0, Y0
	VADDPS  Y3, Y2, Y2
	VADDPS  Y2, Y0, Y0
	VMOVUPS Y0, (DX)
	VZEROUPPER
	RET

// smpExpPoly holds the constants of smpExpSum8's polynomial, each
// repeated 8 times (32 bytes) to serve as a vector operand: Cephes' p0…p5
// and 1.
DATA smpExpPoly<>+0(SB)/4, $0x39506967
DATA smpExpPoly<>+4(SB)/4, $0x39506967
DATA smpExpPoly<>+8(SB)/4, $0x39506967
DATA smpExpPoly<>+12(SB)/4, $0x39506967
DATA smpExpPoly<>+16(SB)/4, $0x39506967
DATA smpExpPoly<>+20(SB)/4, $0x39506967
DATA smpExpPoly<>+24(SB)/4, $0x39506967
DATA smpExpPoly<>+28(SB)/4, $0x39506967
DATA smpExpPoly<>+32(SB)/4, $0x3AB743CE
DATA smpExpPoly<>+36(SB)/4, $0x3AB743CE
DATA smpExpPoly<>+40(SB)/4, $0x3AB743CE
DATA smpExpPoly<>+44(SB)/4, $0x3AB743CE
DATA smpExpPoly<>+48(SB)/4, $0x3AB743CE
DATA smpExpPoly<>+52(SB)/4, $0x3AB743CE
DATA smpExpPoly<>+56(SB)/4, $0x3AB743CE
DATA smpExpPoly<>+60(SB)/4, $0x3AB743CE
DATA smpExpPoly<>+64(SB)/4, $0x3C088908
DATA smpExpPoly<>+68(SB)/4, $0x3C088908
DATA smpExpPoly<>+72(SB)/4, $0x3C088908
DATA smpExpPoly<>+76(SB)/4, $0x3C088908
DATA smpExpPoly<>+80(SB)/4, $0x3C088908
DATA smpExpPoly<>+84(SB)/4, $0x3C088908
DATA smpExpPoly<>+88(SB)/4, $0x3C088908
DATA smpExpPoly<>+92(SB)/4, $0x3C088908
DATA smpExpPoly<>+96(SB)/4, $0x3D2AA9C1
DATA smpExpPoly<>+100(SB)/4, $0x3D2AA9C1
DATA smpExpPoly<>+104(SB)/4, $0x3D2AA9C1
DATA smpExpPoly<>+108(SB)/4, $0x3D2AA9C1
DATA smpExpPoly<>+112(SB)/4, $0x3D2AA9C1
DATA smpExpPoly<>+116(SB)/4, $0x3D2AA9C1
DATA smpExpPoly<>+120(SB)/4, $0x3D2AA9C1
DATA smpExpPoly<>+124(SB)/4, $0x3D2AA9C1
DATA smpExpPoly<>+128(SB)/4, $0x3E2AAAAA
DATA smpExpPoly<>+132(SB)/4, $0x3E2AAAAA
DATA smpExpPoly<>+136(SB)/4, $0x3E2AAAAA
DATA smpExpPoly<>+140(SB)/4, $0x3E2AAAAA
DATA smpExpPoly<>+144(SB)/4, $0x3E2AAAAA
DATA smpExpPoly<>+148(SB)/4, $0x3E2AAAAA
DATA smpExpPoly<>+152(SB)/4, $0x3E2AAAAA
DATA smpExpPoly<>+156(SB)/4, $0x3E2AAAAA
DATA smpExpPoly<>+160(SB)/4, $0x3F000000
DATA smpExpPoly<>+164(SB)/4, $0x3F000000
DATA smpExpPoly<>+168(SB)/4, $0x3F000000
DATA smpExpPoly<>+172(SB)/4, $0x3F000000
DATA smpExpPoly<>+176(SB)/4, $0x3F000000
DATA smpExpPoly<>+180(SB)/4, $0x3F000000
DATA smpExpPoly<>+184(SB)/4, $0x3F000000
DATA smpExpPoly<>+188(SB)/4, $0x3F000000
DATA smpExpPoly<>+192(SB)/4, $0x3F800000
DATA smpExpPoly<>+196(SB)/4, $0x3F800000
DATA smpExpPoly<>+200(SB)/4, $0x3F800000
DATA smpExpPoly<>+204(SB)/4, $0x3F800000
DATA smpExpPoly<>+208(SB)/4, $0x3F800000
DATA smpExpPoly<>+212(SB)/4, $0x3F800000
DATA smpExpPoly<>+216(SB)/4, $0x3F800000
DATA smpExpPoly<>+220(SB)/4, $0x3F800000
GLOBL smpExpPoly<>(SB), RODATA|NOPTR, $224

// func smpExpSum8(x *float32, n int, shift float32) float32
// x[i] = e^(x[i]−shift) for i < n (n a multiple of 8) and returns their
// sum; the method of smpExp (Cody–Waite reduction, Cephes polynomial), with
// the argument clamped to [−87, 88].
TEXT ·smpExpSum8(SB), NOSPLIT, $0-28
	MOVQ         x+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSS shift+16(FP), Y15
	MOVL         $0xC2AE0000, AX // -87
	VMOVD        AX, X14
	VBROADCASTSS X14, Y14
	MOVL         $0x42B00000, AX // 88
	VMOVD        AX, X13
	VBROADCASTSS X13, Y13
	MOVL         $0x3FB8AA3B, AX // log2(e)
	VMOVD        AX, X12
	VBROADCASTSS X12, Y12
	MOVL         $0x4B400000, AX // 1.5·2²³
	VMOVD        AX, X11
	VBROADCASTSS X11, Y11
	MOVL         $0x3F318000, AX // c1 = 0.693359375
	VMOVD        AX, X10
	VBROADCASTSS X10, Y10
	MOVL         $0xB95E8083, AX // c2 = -2.12194440e-4
	VMOVD        AX, X9
	VBROADCASTSS X9, Y9
	VXORPS       Y8, Y8, Y8      // sum
	MOVL         $0x4B3FFF81, AX // bits(1.5·2²³) − 127
	VMOVD        AX, X7
	VPBROADCASTD X7, Y7

expLoop:
	TESTQ        CX, CX
	JEQ          expDone
	VMOVUPS      (SI), Y0
	VSUBPS       Y15, Y0, Y0
	VMAXPS       Y14, Y0, Y0
	VMINPS       Y13, Y0, Y0
	VMOVAPS      Y11, Y1
	VFMADD231PS  Y12, Y0, Y1                  // t = x·log2e + round
	VSUBPS       Y11, Y1, Y2                  // n = t − round
	VFNMADD231PS Y10, Y2, Y0                  // r = x − n·c1
	VFNMADD231PS Y9, Y2, Y0                   // r −= n·c2
	VMULPS       Y0, Y0, Y3                   // z = r²
	VMOVUPS      smpExpPoly<>+0(SB), Y4       // y = p0
	VFMADD213PS  smpExpPoly<>+32(SB), Y0, Y4  // y = y·r + p1
	VFMADD213PS  smpExpPoly<>+64(SB), Y0, Y4  // y = y·r + p2
	VFMADD213PS  smpExpPoly<>+96(SB), Y0, Y4  // y = y·r + p3
	VFMADD213PS  smpExpPoly<>+128(SB), Y0, Y4 // y = y·r + p4
	VFMADD213PS  smpExpPoly<>+160(SB), Y0, Y4 // y = y·r + p5
	VFMADD213PS  Y0, Y3, Y4                   // y = y·z + r
	VADDPS       smpExpPoly<>+192(SB), Y4, Y4 // y += 1
	VPSUBD       Y7, Y1, Y1                   // n + 127 as an integer
	VPSLLD       $23, Y1, Y1                  // 2ⁿ
	VMULPS       Y1, Y4, Y4
	VMOVUPS      Y4, (SI)
	VADDPS       Y4, Y8, Y8
	ADDQ         $32, SI
	SUBQ         $8, CX
	JMP          expLoop

expDone:
	VEXTRACTF128 $1, Y8, X1
	VADDPS       X1, X8, X8
	VHADDPS      X8, X8, X8
	VHADDPS      X8, X8, X8
	MOVSS        X8, ret+24(FP)
	VZEROUPPER
	RET

// func smpMax8(x *float32, n int) float32
// Returns the largest of x[0:n] (n a positive multiple of 8; no NaN).
TEXT ·smpMax8(SB), NOSPLIT, $0-20
	MOVQ    x+0(FP), SI
	MOVQ    n+8(FP), CX
	VMOVUPS (SI), Y0
	ADDQ    $32, SI
	SUBQ    $8, CX

maxLoop:
	TESTQ  CX, CX
	JEQ    maxDone
	VMAXPS (SI), Y0, Y0
	ADDQ   $32, SI
	SUBQ   $8, CX
	JMP    maxLoop

maxDone:
	VEXTRACTF128 $1, Y0, X1
	VMAXPS       X1, X0, X0
	VPERMILPS    $0x4E, X0, X1
	VMAXPS       X1, X0, X0
	VPERMILPS    $0xB1, X0, X1
	VMAXPS       X1, X0, X0
	MOVSS        X0, ret+16(FP)
	VZEROUPPER
	RET

// func smpKern1x64p(k int, a *float32, b *float32, ps int, c *float32)
// c[0:64] += a[0:k] · [P0 P1 P2 P3], Pq the k×16 row-major panel at
// b + q·ps floats.
TEXT ·smpKern1x64p(SB), NOSPLIT, $0-40
	MOVQ    k+0(FP), CX
	MOVQ    a+8(FP), SI
	MOVQ    b+16(FP), DI
	MOVQ    ps+24(FP), R9
	MOVQ    c+32(FP), DX
	SHLQ    $2, R9
	LEAQ    (DI)(R9*1), R10
	LEAQ    (R10)(R9*1), R11
	LEAQ    (R11)(R9*1), R12
	VMOVUPS (DX), Y0
	VMOVUPS 32(DX), Y1
	VMOVUPS 64(DX), Y2
	VMOVUPS 96(DX), Y3
	VMOVUPS 128(DX), Y4
	VMOVUPS 160(DX), Y5
	VMOVUPS 192(DX), Y6
	VMOVUPS 224(DX), Y7
	TESTQ   CX, CX
	JEQ     p64done

p64loop:
	VBROADCASTSS (SI), Y8
	VFMADD231PS  (DI), Y8, Y0
	VFMADD231PS  32(DI), Y8, Y1
	VFMADD231PS  (R10), Y8, Y2
	VFMADD231PS  32(R10), Y8, Y3
	VFMADD231PS  (R11), Y8, Y4
	VFMADD231PS  32(R11), Y8, Y5
	VFMADD231PS  (R12), Y8, Y6
	VFMADD231PS  32(R12), Y8, Y7
	ADDQ         $4, SI
	ADDQ         $64, DI
	ADDQ         $64, R10
	ADDQ         $64, R11
	ADDQ         $64, R12
	DECQ         CX
	JNE          p64loop

p64done:
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y2, 64(DX)
	VMOVUPS Y3, 96(DX)
	VMOVUPS Y4, 128(DX)
	VMOVUPS Y5, 160(DX)
	VMOVUPS Y6, 192(DX)
	VMOVUPS Y7, 224(DX)
	VZEROUPPER
	RET

// func smpKern1x32p(k int, a *float32, b *float32, ps int, c *float32)
// c[0:32] += a[0:k] · [P0 P1], Pq the k×16 row-major panel at b + q·ps
// floats.
TEXT ·smpKern1x32p(SB), NOSPLIT, $0-40
	MOVQ    k+0(FP), CX
	MOVQ    a+8(FP), SI
	MOVQ    b+16(FP), DI
	MOVQ    ps+24(FP), R9
	MOVQ    c+32(FP), DX
	SHLQ    $2, R9
	LEAQ    (DI)(R9*1), R10
	VMOVUPS (DX), Y0
	VMOVUPS 32(DX), Y1
	VMOVUPS 64(DX), Y2
	VMOVUPS 96(DX), Y3
	TESTQ   CX, CX
	JEQ     p32done

p32loop:
	VBROADCASTSS (SI), Y8
	VFMADD231PS  (DI), Y8, Y0
	VFMADD231PS  32(DI), Y8, Y1
	VFMADD231PS  (R10), Y8, Y2
	VFMADD231PS  32(R10), Y8, Y3
	ADDQ         $4, SI
	ADDQ         $64, DI
	ADDQ         $64, R10
	DECQ         CX
	JNE          p32loop

p32done:
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y2, 64(DX)
	VMOVUPS Y3, 96(DX)
	VZEROUPPER
	RET

// func smpKern2x8(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int)
// C[2×8] += A[2×k] · B[k×8], each row with the four partial sums of
// smpKern1x8 (p mod 4) added in its order, so that a row's result is the
// same from either kernel.
TEXT ·smpKern2x8(SB), NOSPLIT, $0-56
	MOVQ   k+0(FP), CX
	MOVQ   a+8(FP), SI
	MOVQ   lda+16(FP), R8
	MOVQ   b+24(FP), DI
	MOVQ   ldb+32(FP), R9
	MOVQ   c+40(FP), DX
	MOVQ   ldc+48(FP), R10
	SHLQ   $2, R8
	SHLQ   $2, R9
	SHLQ   $2, R10
	LEAQ   (SI)(R8*1), R11
	LEAQ   (DX)(R10*1), R12
	VMOVUPS (DX), Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VMOVUPS (R12), Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7

r8loop4:
	CMPQ         CX, $4
	JLT          r8tail
	VMOVUPS      (DI), Y8
	VBROADCASTSS (SI), Y9
	VBROADCASTSS (R11), Y10
	VFMADD231PS  Y8, Y9, Y0
	VFMADD231PS  Y8, Y10, Y4
	ADDQ         R9, DI
	VMOVUPS      (DI), Y8
	VBROADCASTSS 4(SI), Y9
	VBROADCASTSS 4(R11), Y10
	VFMADD231PS  Y8, Y9, Y1
	VFMADD231PS  Y8, Y10, Y5
	ADDQ         R9, DI
	VMOVUPS      (DI), Y8
	VBROADCASTSS 8(SI), Y9
	VBROADCASTSS 8(R11), Y10
	VFMADD231PS  Y8, Y9, Y2
	VFMADD231PS  Y8, Y10, Y6
	ADDQ         R9, DI
	VMOVUPS      (DI), Y8
	VBROADCASTSS 12(SI), Y9
	VBROADCASTSS 12(R11), Y10
	VFMADD231PS  Y8, Y9, Y3
	VFMADD231PS  Y8, Y10, Y7
	ADDQ         R9, DI
	ADDQ         $16, SI
	ADDQ         $16, R11
	SUBQ         $4, CX
	JMP          r8loop4

r8tail:
	TESTQ        CX, CX
	JEQ          r8done
	VMOVUPS      (DI), Y8
	VBROADCASTSS (SI), Y9
	VBROADCASTSS (R11), Y10
	VFMADD231PS  Y8, Y9, Y0
	VFMADD231PS  Y8, Y10, Y4
	ADDQ         $4, SI
	ADDQ         $4, R11
	ADDQ         R9, DI
	DECQ         CX
	JMP          r8tail

r8done:
	VADDPS  Y1, Y0, Y0
	VADDPS  Y3, Y2, Y2
	VADDPS  Y2, Y0, Y0
	VMOVUPS Y0, (DX)
	VADDPS  Y5, Y4, Y4
	VADDPS  Y7, Y6, Y6
	VADDPS  Y6, Y4, Y4
	VMOVUPS Y4, (R12)
	VZEROUPPER
	RET
