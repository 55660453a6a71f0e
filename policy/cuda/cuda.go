//go:build cuda && cgo

package cuda

/*
#cgo LDFLAGS: -L${SRCDIR} -levolvecuda -lcublas -lcudart -lstdc++ -lm
#include <cublas_v2.h>
#include "kernels.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"unsafe"
)

// ErrNoDevice is wrapped by Open's error when no CUDA device can be used
// (none present, no driver, or a driver older than the runtime).
var ErrNoDevice = errors.New("cuda: no usable CUDA device")

// Error is a CUDA runtime or cuBLAS error, with the operation that met it.
type Error struct {
	Op   string // the call, e.g. "cudaMalloc" or "cublasSgemm"
	Code int    // cudaError_t or cublasStatus_t
	Msg  string // the library's description
}

func (e *Error) Error() string { return fmt.Sprintf("cuda: %s: %s (%d)", e.Op, e.Msg, e.Code) }

// check turns a cudaError_t into an error.
func check(op string, code C.int) error {
	if code == 0 {
		return nil
	}
	return &Error{Op: op, Code: int(code), Msg: C.GoString(C.cudaGetErrorString(C.cudaError_t(code)))}
}

// checkBLAS turns a cublasStatus_t into an error.
func checkBLAS(op string, st C.cublasStatus_t) error {
	if st == C.CUBLAS_STATUS_SUCCESS {
		return nil
	}
	return &Error{Op: op, Code: int(st), Msg: fmt.Sprintf("cuBLAS status %d", int(st))}
}

// Device is one CUDA device with a cuBLAS handle. Its methods serialise
// on a mutex; all work runs on the default stream, each call waiting for
// its results.
type Device struct {
	mu      sync.Mutex
	ordinal int
	handle  C.cublasHandle_t
	name    string
	loss    lossMem // the losses' device memory
}

// Open returns device ordinal (0 for the first GPU). Without a usable
// device its error wraps ErrNoDevice.
func Open(ordinal int) (*Device, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var n C.int
	if err := check("cudaGetDeviceCount", C.int(C.cudaGetDeviceCount(&n))); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoDevice, err)
	}
	if ordinal < 0 || ordinal >= int(n) {
		return nil, fmt.Errorf("%w: device %d of %d", ErrNoDevice, ordinal, int(n))
	}
	if err := check("cudaSetDevice", C.int(C.cudaSetDevice(C.int(ordinal)))); err != nil {
		return nil, err
	}
	var prop C.struct_cudaDeviceProp
	if err := check("cudaGetDeviceProperties", C.int(C.cudaGetDeviceProperties(&prop, C.int(ordinal)))); err != nil {
		return nil, err
	}
	d := &Device{ordinal: ordinal, name: C.GoString(&prop.name[0])}
	if err := checkBLAS("cublasCreate", C.cublasCreate(&d.handle)); err != nil {
		return nil, err
	}
	// Full float32 products: no TF32 tensor-core rounding.
	if err := checkBLAS("cublasSetMathMode", C.cublasSetMathMode(d.handle, C.CUBLAS_DEFAULT_MATH)); err != nil {
		return nil, err
	}
	return d, nil
}

// Name returns the device's name, e.g. "NVIDIA H200".
func (d *Device) Name() string { return d.name }

// Close releases the cuBLAS handle.
func (d *Device) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.handle == nil {
		return nil
	}
	err := checkBLAS("cublasDestroy", C.cublasDestroy(d.handle))
	d.handle = nil
	return err
}

// do runs f on a locked OS thread with d current, under d's lock, then
// waits for the device and returns the first error.
func (d *Device) do(f func() error) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.handle == nil {
		return errors.New("cuda: Device is closed")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := check("cudaSetDevice", C.int(C.cudaSetDevice(C.int(d.ordinal)))); err != nil {
		return err
	}
	err := f()
	if e := check("cudaDeviceSynchronize", C.int(C.cudaDeviceSynchronize())); err == nil {
		err = e
	}
	return err
}

// mem is a device allocation of n bytes (explicit device memory:
// cudaMalloc, never managed memory), grown on demand and kept.
type mem struct {
	p unsafe.Pointer
	n int
}

// ensure makes m hold at least n bytes (its contents are then undefined).
func (m *mem) ensure(n int) error {
	if m.n >= n {
		return nil
	}
	m.free()
	var p unsafe.Pointer
	if err := check("cudaMalloc", C.int(C.cudaMalloc(&p, C.size_t(max(n, 8))))); err != nil {
		return err
	}
	m.p, m.n = p, max(n, 8)
	return nil
}

// free releases m.
func (m *mem) free() {
	if m.p != nil {
		C.cudaFree(m.p)
		m.p, m.n = nil, 0
	}
}

func (m *mem) f32() *C.float   { return (*C.float)(m.p) }
func (m *mem) f64() *C.double  { return (*C.double)(m.p) }
func (m *mem) i32() *C.int32_t { return (*C.int32_t)(m.p) }

// at returns a pointer off bytes into m.
func (m *mem) at(off int) unsafe.Pointer { return unsafe.Add(m.p, off) }

// upload copies a host slice into m (grown to fit); nil or empty copies
// nothing.
func upload[T float32 | float64 | int32](m *mem, s []T) error {
	if len(s) == 0 {
		return nil
	}
	n := len(s) * int(unsafe.Sizeof(s[0]))
	if err := m.ensure(n); err != nil {
		return err
	}
	return check("cudaMemcpy", C.int(C.cudaMemcpy(m.p, unsafe.Pointer(&s[0]), C.size_t(n), C.cudaMemcpyHostToDevice)))
}

// download copies the first len(s) elements of m into s.
func download[T float32 | float64 | int32](s []T, m *mem) error {
	if len(s) == 0 {
		return nil
	}
	n := len(s) * int(unsafe.Sizeof(s[0]))
	return check("cudaMemcpy", C.int(C.cudaMemcpy(unsafe.Pointer(&s[0]), m.p, C.size_t(n), C.cudaMemcpyDeviceToHost)))
}

// zero clears the first n bytes of m.
func zero(m *mem, n int) error {
	return check("cudaMemset", C.int(C.cudaMemset(m.p, 0, C.size_t(n))))
}

// launch checks a kernel launcher's status.
func launch(name string, code C.int) error { return check(name, code) }
