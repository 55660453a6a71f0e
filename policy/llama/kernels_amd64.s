//go:build amd64 && !purego

#include "textflag.h"

// Register use of the gemm tile kernels:
//   CX  k, counting down
//   SI  &A(0,p); R8 = rsa·4, R10 = 3·rsa·4; R9 = csa·4; R15 = &A(0,0)
//   DI  &B(p,0); R11 = ldb·4; BX = &B(0,0) of the tile
//   DX  &C(0,0); R12 = ldc·4; R13 = &C(2,0)
//   AX  acc; R14 tiles left
// The tile of C is loaded into the accumulators (acc = 1) or they start at
// zero (acc = 0), every product of the
// reduction is added with one fused multiply-add in order of p, and the tile
// is stored back.

// func kern4x16AVX2(k int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int, acc int, nt int, bts int)
// Computes nt tiles of 4×16 side by side (columns 16·t … 16·t+15 of C);
// tile t of B starts bts bytes after tile t−1 (64 for a row-major B,
// 64·k for B packed in panels).
TEXT ·kern4x16AVX2(SB), NOSPLIT, $0-136
	MOVQ a_base+8(FP), R15
	MOVQ rsa+32(FP), R8
	MOVQ csa+40(FP), R9
	MOVQ b_base+48(FP), BX
	MOVQ ldb+72(FP), R11
	MOVQ c_base+80(FP), DX
	MOVQ ldc+104(FP), R12
	MOVQ acc+112(FP), AX
	MOVQ nt+120(FP), R14
	SHLQ $2, R8
	SHLQ $2, R9
	SHLQ $2, R11
	SHLQ $2, R12
	LEAQ (R8)(R8*2), R10

tile16:
	MOVQ k+0(FP), CX
	MOVQ R15, SI
	MOVQ BX, DI
	LEAQ (DX)(R12*2), R13
	TESTQ AX, AX
	JZ   zero16
	VMOVUPS (DX), Y0
	VMOVUPS 32(DX), Y1
	VMOVUPS (DX)(R12*1), Y2
	VMOVUPS 32(DX)(R12*1), Y3
	VMOVUPS (R13), Y4
	VMOVUPS 32(R13), Y5
	VMOVUPS (R13)(R12*1), Y6
	VMOVUPS 32(R13)(R12*1), Y7
	JMP  loop16

zero16:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7

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
	ADDQ bts+128(FP), BX
	ADDQ $64, DX
	DECQ R14
	JNZ  tile16
	VZEROUPPER
	RET

// func kern4x8AVX2(k int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int, acc int)
// With one vector per row the fused multiply-adds of successive p would
// wait on each other; even and odd p go to two sets of accumulators that
// are added at the end.
TEXT ·kern4x8AVX2(SB), NOSPLIT, $0-120
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

	VXORPS Y1, Y1, Y1
	VXORPS Y3, Y3, Y3
	VXORPS Y5, Y5, Y5
	VXORPS Y7, Y7, Y7
	MOVQ acc+112(FP), AX
	TESTQ AX, AX
	JZ   zero8
	VMOVUPS (DX), Y0
	VMOVUPS (DX)(R12*1), Y2
	VMOVUPS (R13), Y4
	VMOVUPS (R13)(R12*1), Y6
	JMP  start8

zero8:
	VXORPS Y0, Y0, Y0
	VXORPS Y2, Y2, Y2
	VXORPS Y4, Y4, Y4
	VXORPS Y6, Y6, Y6

start8:
	MOVQ CX, BX
	SHRQ $1, BX
	JZ   tail8

loop8:
	VMOVUPS (DI), Y8
	VMOVUPS (DI)(R11*1), Y9
	VBROADCASTSS (SI), Y10
	VFMADD231PS Y8, Y10, Y0
	VBROADCASTSS (SI)(R8*1), Y11
	VFMADD231PS Y8, Y11, Y2
	VBROADCASTSS (SI)(R8*2), Y12
	VFMADD231PS Y8, Y12, Y4
	VBROADCASTSS (SI)(R10*1), Y13
	VFMADD231PS Y8, Y13, Y6
	ADDQ R9, SI
	VBROADCASTSS (SI), Y10
	VFMADD231PS Y9, Y10, Y1
	VBROADCASTSS (SI)(R8*1), Y11
	VFMADD231PS Y9, Y11, Y3
	VBROADCASTSS (SI)(R8*2), Y12
	VFMADD231PS Y9, Y12, Y5
	VBROADCASTSS (SI)(R10*1), Y13
	VFMADD231PS Y9, Y13, Y7
	ADDQ R9, SI
	LEAQ (DI)(R11*2), DI
	DECQ BX
	JNZ  loop8

tail8:
	ANDQ $1, CX
	JZ   done8
	VMOVUPS (DI), Y8
	VBROADCASTSS (SI), Y10
	VFMADD231PS Y8, Y10, Y0
	VBROADCASTSS (SI)(R8*1), Y11
	VFMADD231PS Y8, Y11, Y2
	VBROADCASTSS (SI)(R8*2), Y12
	VFMADD231PS Y8, Y12, Y4
	VBROADCASTSS (SI)(R10*1), Y13
	VFMADD231PS Y8, Y13, Y6

done8:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y5, Y4, Y4
	VADDPS Y7, Y6, Y6
	VMOVUPS Y0, (DX)
	VMOVUPS Y2, (DX)(R12*1)
	VMOVUPS Y4, (R13)
	VMOVUPS Y6, (R13)(R12*1)
	VZEROUPPER
	RET

// func kern4x4AVX2(k int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int, acc int)
// The 4×4 tile, with 4-lane vectors; as kern4x8AVX2 otherwise.
// With one vector per row the fused multiply-adds of successive p would
// wait on each other; even and odd p go to two sets of accumulators that
// are added at the end.
TEXT ·kern4x4AVX2(SB), NOSPLIT, $0-120
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

	VXORPS X1, X1, X1
	VXORPS X3, X3, X3
	VXORPS X5, X5, X5
	VXORPS X7, X7, X7
	MOVQ acc+112(FP), AX
	TESTQ AX, AX
	JZ   zero4
	VMOVUPS (DX), X0
	VMOVUPS (DX)(R12*1), X2
	VMOVUPS (R13), X4
	VMOVUPS (R13)(R12*1), X6
	JMP  start4

zero4:
	VXORPS X0, X0, X0
	VXORPS X2, X2, X2
	VXORPS X4, X4, X4
	VXORPS X6, X6, X6

start4:
	MOVQ CX, BX
	SHRQ $1, BX
	JZ   tail4

loop4:
	VMOVUPS (DI), X8
	VMOVUPS (DI)(R11*1), X9
	VBROADCASTSS (SI), X10
	VFMADD231PS X8, X10, X0
	VBROADCASTSS (SI)(R8*1), X11
	VFMADD231PS X8, X11, X2
	VBROADCASTSS (SI)(R8*2), X12
	VFMADD231PS X8, X12, X4
	VBROADCASTSS (SI)(R10*1), X13
	VFMADD231PS X8, X13, X6
	ADDQ R9, SI
	VBROADCASTSS (SI), X10
	VFMADD231PS X9, X10, X1
	VBROADCASTSS (SI)(R8*1), X11
	VFMADD231PS X9, X11, X3
	VBROADCASTSS (SI)(R8*2), X12
	VFMADD231PS X9, X12, X5
	VBROADCASTSS (SI)(R10*1), X13
	VFMADD231PS X9, X13, X7
	ADDQ R9, SI
	LEAQ (DI)(R11*2), DI
	DECQ BX
	JNZ  loop4

tail4:
	ANDQ $1, CX
	JZ   done4
	VMOVUPS (DI), X8
	VBROADCASTSS (SI), X10
	VFMADD231PS X8, X10, X0
	VBROADCASTSS (SI)(R8*1), X11
	VFMADD231PS X8, X11, X2
	VBROADCASTSS (SI)(R8*2), X12
	VFMADD231PS X8, X12, X4
	VBROADCASTSS (SI)(R10*1), X13
	VFMADD231PS X8, X13, X6

done4:
	VADDPS X1, X0, X0
	VADDPS X3, X2, X2
	VADDPS X5, X4, X4
	VADDPS X7, X6, X6
	VMOVUPS X0, (DX)
	VMOVUPS X2, (DX)(R12*1)
	VMOVUPS X4, (R13)
	VMOVUPS X6, (R13)(R12*1)
	VZEROUPPER
	RET

// Constants of expShiftAVX2, each repeated in 8 lanes (32 bytes):
//   0 lower clamp −87, 32 upper clamp 88, 64 log2(e), 96 1.5·2²³,
//   128 and 160 ln2 split in two (Cody–Waite), 192..352 Cephes' expf
//   polynomial, 384 1.0, 416 int32 127, 448 the bits of 1.5·2²³.
DATA expc<>+0(SB)/4, $0xc2ae0000
DATA expc<>+4(SB)/4, $0xc2ae0000
DATA expc<>+8(SB)/4, $0xc2ae0000
DATA expc<>+12(SB)/4, $0xc2ae0000
DATA expc<>+16(SB)/4, $0xc2ae0000
DATA expc<>+20(SB)/4, $0xc2ae0000
DATA expc<>+24(SB)/4, $0xc2ae0000
DATA expc<>+28(SB)/4, $0xc2ae0000
DATA expc<>+32(SB)/4, $0x42b00000
DATA expc<>+36(SB)/4, $0x42b00000
DATA expc<>+40(SB)/4, $0x42b00000
DATA expc<>+44(SB)/4, $0x42b00000
DATA expc<>+48(SB)/4, $0x42b00000
DATA expc<>+52(SB)/4, $0x42b00000
DATA expc<>+56(SB)/4, $0x42b00000
DATA expc<>+60(SB)/4, $0x42b00000
DATA expc<>+64(SB)/4, $0x3fb8aa3b
DATA expc<>+68(SB)/4, $0x3fb8aa3b
DATA expc<>+72(SB)/4, $0x3fb8aa3b
DATA expc<>+76(SB)/4, $0x3fb8aa3b
DATA expc<>+80(SB)/4, $0x3fb8aa3b
DATA expc<>+84(SB)/4, $0x3fb8aa3b
DATA expc<>+88(SB)/4, $0x3fb8aa3b
DATA expc<>+92(SB)/4, $0x3fb8aa3b
DATA expc<>+96(SB)/4, $0x4b400000
DATA expc<>+100(SB)/4, $0x4b400000
DATA expc<>+104(SB)/4, $0x4b400000
DATA expc<>+108(SB)/4, $0x4b400000
DATA expc<>+112(SB)/4, $0x4b400000
DATA expc<>+116(SB)/4, $0x4b400000
DATA expc<>+120(SB)/4, $0x4b400000
DATA expc<>+124(SB)/4, $0x4b400000
DATA expc<>+128(SB)/4, $0x3f318000
DATA expc<>+132(SB)/4, $0x3f318000
DATA expc<>+136(SB)/4, $0x3f318000
DATA expc<>+140(SB)/4, $0x3f318000
DATA expc<>+144(SB)/4, $0x3f318000
DATA expc<>+148(SB)/4, $0x3f318000
DATA expc<>+152(SB)/4, $0x3f318000
DATA expc<>+156(SB)/4, $0x3f318000
DATA expc<>+160(SB)/4, $0xb95e8083
DATA expc<>+164(SB)/4, $0xb95e8083
DATA expc<>+168(SB)/4, $0xb95e8083
DATA expc<>+172(SB)/4, $0xb95e8083
DATA expc<>+176(SB)/4, $0xb95e8083
DATA expc<>+180(SB)/4, $0xb95e8083
DATA expc<>+184(SB)/4, $0xb95e8083
DATA expc<>+188(SB)/4, $0xb95e8083
DATA expc<>+192(SB)/4, $0x39506967
DATA expc<>+196(SB)/4, $0x39506967
DATA expc<>+200(SB)/4, $0x39506967
DATA expc<>+204(SB)/4, $0x39506967
DATA expc<>+208(SB)/4, $0x39506967
DATA expc<>+212(SB)/4, $0x39506967
DATA expc<>+216(SB)/4, $0x39506967
DATA expc<>+220(SB)/4, $0x39506967
DATA expc<>+224(SB)/4, $0x3ab743ce
DATA expc<>+228(SB)/4, $0x3ab743ce
DATA expc<>+232(SB)/4, $0x3ab743ce
DATA expc<>+236(SB)/4, $0x3ab743ce
DATA expc<>+240(SB)/4, $0x3ab743ce
DATA expc<>+244(SB)/4, $0x3ab743ce
DATA expc<>+248(SB)/4, $0x3ab743ce
DATA expc<>+252(SB)/4, $0x3ab743ce
DATA expc<>+256(SB)/4, $0x3c088908
DATA expc<>+260(SB)/4, $0x3c088908
DATA expc<>+264(SB)/4, $0x3c088908
DATA expc<>+268(SB)/4, $0x3c088908
DATA expc<>+272(SB)/4, $0x3c088908
DATA expc<>+276(SB)/4, $0x3c088908
DATA expc<>+280(SB)/4, $0x3c088908
DATA expc<>+284(SB)/4, $0x3c088908
DATA expc<>+288(SB)/4, $0x3d2aa9c1
DATA expc<>+292(SB)/4, $0x3d2aa9c1
DATA expc<>+296(SB)/4, $0x3d2aa9c1
DATA expc<>+300(SB)/4, $0x3d2aa9c1
DATA expc<>+304(SB)/4, $0x3d2aa9c1
DATA expc<>+308(SB)/4, $0x3d2aa9c1
DATA expc<>+312(SB)/4, $0x3d2aa9c1
DATA expc<>+316(SB)/4, $0x3d2aa9c1
DATA expc<>+320(SB)/4, $0x3e2aaaaa
DATA expc<>+324(SB)/4, $0x3e2aaaaa
DATA expc<>+328(SB)/4, $0x3e2aaaaa
DATA expc<>+332(SB)/4, $0x3e2aaaaa
DATA expc<>+336(SB)/4, $0x3e2aaaaa
DATA expc<>+340(SB)/4, $0x3e2aaaaa
DATA expc<>+344(SB)/4, $0x3e2aaaaa
DATA expc<>+348(SB)/4, $0x3e2aaaaa
DATA expc<>+352(SB)/4, $0x3f000000
DATA expc<>+356(SB)/4, $0x3f000000
DATA expc<>+360(SB)/4, $0x3f000000
DATA expc<>+364(SB)/4, $0x3f000000
DATA expc<>+368(SB)/4, $0x3f000000
DATA expc<>+372(SB)/4, $0x3f000000
DATA expc<>+376(SB)/4, $0x3f000000
DATA expc<>+380(SB)/4, $0x3f000000
DATA expc<>+384(SB)/4, $0x3f800000
DATA expc<>+388(SB)/4, $0x3f800000
DATA expc<>+392(SB)/4, $0x3f800000
DATA expc<>+396(SB)/4, $0x3f800000
DATA expc<>+400(SB)/4, $0x3f800000
DATA expc<>+404(SB)/4, $0x3f800000
DATA expc<>+408(SB)/4, $0x3f800000
DATA expc<>+412(SB)/4, $0x3f800000
DATA expc<>+416(SB)/4, $0x0000007f
DATA expc<>+420(SB)/4, $0x0000007f
DATA expc<>+424(SB)/4, $0x0000007f
DATA expc<>+428(SB)/4, $0x0000007f
DATA expc<>+432(SB)/4, $0x0000007f
DATA expc<>+436(SB)/4, $0x0000007f
DATA expc<>+440(SB)/4, $0x0000007f
DATA expc<>+444(SB)/4, $0x0000007f
DATA expc<>+448(SB)/4, $0x4b400000
DATA expc<>+452(SB)/4, $0x4b400000
DATA expc<>+456(SB)/4, $0x4b400000
DATA expc<>+460(SB)/4, $0x4b400000
DATA expc<>+464(SB)/4, $0x4b400000
DATA expc<>+468(SB)/4, $0x4b400000
DATA expc<>+472(SB)/4, $0x4b400000
DATA expc<>+476(SB)/4, $0x4b400000
GLOBL expc<>(SB), RODATA|NOPTR, $480

// func expShiftAVX2(x []float32, scale, shift float32) float32
// x[i] = exp(x[i]·scale − shift) for len(x) a multiple of 8; returns Σ x[i].
TEXT ·expShiftAVX2(SB), NOSPLIT, $0-36
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	VBROADCASTSS scale+24(FP), Y14
	VBROADCASTSS shift+28(FP), Y15
	VXORPS Y13, Y13, Y13
	SHRQ $3, CX
	JZ   expdone

exploop:
	VMOVUPS (SI), Y0
	VFMSUB213PS Y15, Y14, Y0
	VMAXPS expc<>+0(SB), Y0, Y0
	VMINPS expc<>+32(SB), Y0, Y0
	VMOVUPS expc<>+96(SB), Y1
	VFMADD231PS expc<>+64(SB), Y0, Y1
	VSUBPS expc<>+96(SB), Y1, Y2
	VFNMADD231PS expc<>+128(SB), Y2, Y0
	VFNMADD231PS expc<>+160(SB), Y2, Y0
	VMULPS Y0, Y0, Y3
	VMOVUPS expc<>+192(SB), Y4
	VFMADD213PS expc<>+224(SB), Y0, Y4
	VFMADD213PS expc<>+256(SB), Y0, Y4
	VFMADD213PS expc<>+288(SB), Y0, Y4
	VFMADD213PS expc<>+320(SB), Y0, Y4
	VFMADD213PS expc<>+352(SB), Y0, Y4
	VFMADD213PS Y0, Y3, Y4
	VADDPS expc<>+384(SB), Y4, Y4
	VPSUBD expc<>+448(SB), Y1, Y1
	VPADDD expc<>+416(SB), Y1, Y1
	VPSLLD $23, Y1, Y1
	VMULPS Y1, Y4, Y4
	VMOVUPS Y4, (SI)
	VADDPS Y4, Y13, Y13
	ADDQ $32, SI
	DECQ CX
	JNZ  exploop

expdone:
	VEXTRACTF128 $1, Y13, X0
	VADDPS X0, X13, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
	MOVSS X0, ret+32(FP)
	VZEROUPPER
	RET

// func maxAVX2(x []float32) float32
TEXT ·maxAVX2(SB), NOSPLIT, $0-28
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	VMOVUPS (SI), Y0
	SHRQ $3, CX

maxloop:
	VMAXPS (SI), Y0, Y0
	ADDQ $32, SI
	DECQ CX
	JNZ  maxloop

	VEXTRACTF128 $1, Y0, X1
	VMAXPS X1, X0, X0
	VPERMILPS $0x4e, X0, X1
	VMAXPS X1, X0, X0
	VPERMILPS $0xb1, X0, X1
	VMAXPS X1, X0, X0
	MOVSS X0, ret+24(FP)
	VZEROUPPER
	RET

// func softmaxGradAVX2(p, ds []float32, d, scale float32)
// ds[j] = p[j]·(ds[j] − d)·scale for len(p) a positive multiple of 8.
TEXT ·softmaxGradAVX2(SB), NOSPLIT, $0-56
	MOVQ p_base+0(FP), SI
	MOVQ p_len+8(FP), CX
	MOVQ ds_base+24(FP), DI
	VBROADCASTSS d+48(FP), Y14
	VBROADCASTSS scale+52(FP), Y15
	SHRQ $3, CX

sgloop:
	VMOVUPS (DI), Y0
	VSUBPS Y14, Y0, Y0
	VMULPS (SI), Y0, Y0
	VMULPS Y15, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ  sgloop
	VZEROUPPER
	RET

// func swigluAVX2(h, a, b, e []float32)
// h[j] = a[j]/(1+e[j])·b[j] (e = exp(−a): silu(a)·b) for len(h) a positive
// multiple of 8.
TEXT ·swigluAVX2(SB), NOSPLIT, $0-96
	MOVQ h_base+0(FP), DI
	MOVQ h_len+8(FP), CX
	MOVQ a_base+24(FP), SI
	MOVQ b_base+48(FP), DX
	MOVQ e_base+72(FP), R8
	VMOVUPS expc<>+384(SB), Y15
	SHRQ $3, CX

swloop:
	VADDPS (R8), Y15, Y0
	VMOVUPS (SI), Y1
	VDIVPS Y0, Y1, Y1
	VMULPS (DX), Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, R8
	DECQ CX
	JNZ  swloop
	VZEROUPPER
	RET

// func swigluGradAVX2(da, db, d, a, b, e []float32)
// With s = 1/(1+e[j]) = σ(a[j]): db[j] = d[j]·a[j]·s and
// da[j] = d[j]·b[j]·s·(1 + a[j]·(1−s)), for len(da) a positive multiple of 8.
TEXT ·swigluGradAVX2(SB), NOSPLIT, $0-144
	MOVQ da_base+0(FP), DI
	MOVQ da_len+8(FP), CX
	MOVQ db_base+24(FP), R9
	MOVQ d_base+48(FP), R10
	MOVQ a_base+72(FP), SI
	MOVQ b_base+96(FP), DX
	MOVQ e_base+120(FP), R8
	VMOVUPS expc<>+384(SB), Y15
	SHRQ $3, CX

sgrloop:
	VADDPS (R8), Y15, Y0
	VDIVPS Y0, Y15, Y2
	VMOVUPS (R10), Y3
	VMOVUPS (SI), Y1
	VMULPS Y1, Y3, Y4
	VMULPS Y2, Y4, Y4
	VMOVUPS Y4, (R9)
	VMULPS (DX), Y3, Y5
	VMULPS Y2, Y5, Y5
	VSUBPS Y2, Y15, Y6
	VMULPS Y6, Y1, Y6
	VADDPS Y15, Y6, Y6
	VMULPS Y6, Y5, Y5
	VMOVUPS Y5, (DI)
	ADDQ $32, DI
	ADDQ $32, R9
	ADDQ $32, R10
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, R8
	DECQ CX
	JNZ  sgrloop
	VZEROUPPER
	RET
