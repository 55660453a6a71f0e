//go:build amd64 && !purego

#include "textflag.h"

// Register use of the gemm tile kernels:
//   CX  k, counting down
//   SI  &A(0,p); R8 = rsa·4, R10 = 3·rsa·4; R9 = csa·4
//   DI  &B(p,0); R11 = ldb·4
//   DX  &C(0,0); R12 = ldc·4
// The tile of C is loaded into the accumulators, every product of the
// reduction is added with one fused multiply-add in order of p, and the tile
// is stored back.

// func kern4x16AVX2(k int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int)
TEXT ·kern4x16AVX2(SB), NOSPLIT, $0-112
	MOVQ k+0(FP), CX
	MOVQ a_base+8(FP), SI
	MOVQ rsa+32(FP), R8
	MOVQ csa+40(FP), R9
	MOVQ b_base+48(FP), DI
	MOVQ ldb+72(FP), R11
	MOVQ c_base+80(FP), DX
	MOVQ ldc+104(FP), R12
	SHLQ $2, R8
	SHLQ $2, R9
	SHLQ $2, R11
	SHLQ $2, R12
	LEAQ (R8)(R8*2), R10
	LEAQ (DX)(R12*2), R13

	VMOVUPS (DX), Y0
	VMOVUPS 32(DX), Y1
	VMOVUPS (DX)(R12*1), Y2
	VMOVUPS 32(DX)(R12*1), Y3
	VMOVUPS (R13), Y4
	VMOVUPS 32(R13), Y5
	VMOVUPS (R13)(R12*1), Y6
	VMOVUPS 32(R13)(R12*1), Y7

loop16:
	VMOVUPS (DI), Y8
	VMOVUPS 32(DI), Y9
	VBROADCASTSS (SI), Y10
	VFMADD231PS Y8, Y10, Y0
	VFMADD231PS Y9, Y10, Y1
	VBROADCASTSS (SI)(R8*1), Y11
	VFMADD231PS Y8, Y11, Y2
	VFMADD231PS Y9, Y11, Y3
	VBROADCASTSS (SI)(R8*2), Y12
	VFMADD231PS Y8, Y12, Y4
	VFMADD231PS Y9, Y12, Y5
	VBROADCASTSS (SI)(R10*1), Y13
	VFMADD231PS Y8, Y13, Y6
	VFMADD231PS Y9, Y13, Y7
	ADDQ R9, SI
	ADDQ R11, DI
	DECQ CX
	JNZ  loop16

	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y2, (DX)(R12*1)
	VMOVUPS Y3, 32(DX)(R12*1)
	VMOVUPS Y4, (R13)
	VMOVUPS Y5, 32(R13)
	VMOVUPS Y6, (R13)(R12*1)
	VMOVUPS Y7, 32(R13)(R12*1)
	VZEROUPPER
	RET

// func kern4x8AVX2(k int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int)
TEXT ·kern4x8AVX2(SB), NOSPLIT, $0-112
	MOVQ k+0(FP), CX
	MOVQ a_base+8(FP), SI
	MOVQ rsa+32(FP), R8
	MOVQ csa+40(FP), R9
	MOVQ b_base+48(FP), DI
	MOVQ ldb+72(FP), R11
	MOVQ c_base+80(FP), DX
	MOVQ ldc+104(FP), R12
	SHLQ $2, R8
	SHLQ $2, R9
	SHLQ $2, R11
	SHLQ $2, R12
	LEAQ (R8)(R8*2), R10
	LEAQ (DX)(R12*2), R13

	VMOVUPS (DX), Y0
	VMOVUPS (DX)(R12*1), Y2
	VMOVUPS (R13), Y4
	VMOVUPS (R13)(R12*1), Y6

loop8:
	VMOVUPS (DI), Y8
	VBROADCASTSS (SI), Y10
	VFMADD231PS Y8, Y10, Y0
	VBROADCASTSS (SI)(R8*1), Y11
	VFMADD231PS Y8, Y11, Y2
	VBROADCASTSS (SI)(R8*2), Y12
	VFMADD231PS Y8, Y12, Y4
	VBROADCASTSS (SI)(R10*1), Y13
	VFMADD231PS Y8, Y13, Y6
	ADDQ R9, SI
	ADDQ R11, DI
	DECQ CX
	JNZ  loop8

	VMOVUPS Y0, (DX)
	VMOVUPS Y2, (DX)(R12*1)
	VMOVUPS Y4, (R13)
	VMOVUPS Y6, (R13)(R12*1)
	VZEROUPPER
	RET

// func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL eaxArg+0(FP), AX
	MOVL ecxArg+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// func xgetbv() (eax, edx uint32)
TEXT ·xgetbv(SB), NOSPLIT, $0-8
	MOVL $0, CX
	XGETBV
	MOVL AX, eax+0(FP)
	MOVL DX, edx+4(FP)
	RET
