//! Memory fills and copies. TypedArray.fill on a SharedArrayBuffer goes
//! element by element in V8 (~10× slower than a memset, measured here);
//! these compile to wasm's bulk `memory.fill` / `memory.copy`. Units: bytes
//! for the byte ops, elements for fill32.

/// ptr[lo..hi] = value (bytes).
#[no_mangle]
pub unsafe extern "C" fn kiln_fill_bytes(ptr: *mut u8, value: u32, lo: usize, hi: usize) {
    core::ptr::write_bytes(ptr.add(lo), value as u8, hi - lo);
}

/// ptr[lo..hi] = bits (32-bit elements: an f32's or an i32's bit pattern).
#[no_mangle]
pub unsafe extern "C" fn kiln_fill32(ptr: *mut u32, bits: u32, lo: usize, hi: usize) {
    if bits == 0 {
        core::ptr::write_bytes(ptr.add(lo), 0, hi - lo);
        return;
    }
    for i in lo..hi {
        *ptr.add(i) = bits;
    }
}

/// dst[lo..hi] = src[lo..hi] (bytes; memmove, so one range may overlap).
#[no_mangle]
pub unsafe extern "C" fn kiln_copy_bytes(dst: *mut u8, src: *const u8, lo: usize, hi: usize) {
    core::ptr::copy(src.add(lo), dst.add(lo), hi - lo);
}
