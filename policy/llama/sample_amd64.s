//go:build amd64 && !purego

#include "textflag.h"

// AVX2/FMA kernels of the sampler's matrix products (see sample_kernels.go).
// Every element of C accumulates its products in order p = 0, 1, …, k-1 with
// one fused multiply-add each, whichever kernel computes it, so that a row's
// result does not depend on the rows it is batched with.

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
