//! The Node-API addon: `@kiln/backend-native` loads this crate built for the
//! host as `kiln-kernels.<platform>.node`. It exposes memory (64-bit, one
//! external ArrayBuffer per allocation so JS reads and writes it in place),
//! a thread pool per backend, and `run`, which splits a kernel's units over
//! that pool exactly as the wasm backend's JS pool does.
mod dispatch;
mod mpi;
mod napi;
mod pool;

use napi::*;
use pool::Pool;
use std::alloc::Layout;
use std::ffi::c_void;

/// Sizes are rounded to 64 bytes; the alignment stays at the system
/// allocator's own 16 so that alloc_zeroed is calloc (fresh zero pages from
/// the kernel for large blocks) instead of an aligned malloc plus a memset
/// that touches every page (~2.5 s per GiB here).
const ALIGN: usize = 16;
const ROUND: usize = 64;

/// Floats of per-thread scratch: matmul packing plus attention/dequant blocks.
fn scratch_floats() -> usize {
    crate::matmul::SCRATCH_FLOATS + crate::BLOCK_SCRATCH
}

/// The ISA of the matmul micro-kernel chosen on this machine.
fn features() -> String {
    crate::matmul::isa_name().to_string()
}

/// CPU features the loader uses to pick a build, and the one this build needs.
fn cpu() -> String {
    #[cfg(target_arch = "x86_64")]
    {
        let has = [
            ("avx2", is_x86_feature_detected!("avx2")),
            ("fma", is_x86_feature_detected!("fma")),
            ("avx512f", is_x86_feature_detected!("avx512f")),
        ];
        let list: Vec<&str> = has.iter().filter(|(_, on)| *on).map(|(n, _)| *n).collect();
        let build = if cfg!(target_feature = "avx2") { "x86-64-v3" } else { "x86-64" };
        format!("\"cpu\":{:?},\"build\":{:?}", list, build)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        format!("\"cpu\":[],\"build\":{:?}", std::env::consts::ARCH)
    }
}

unsafe extern "C" fn js_info(env: napi_env, _info: napi_callback_info) -> napi_value {
    let info = format!(
        "{{\"kernels\":{:?},\"arity\":{:?},\"isa\":{:?},\"lanes\":{},\"scratchFloats\":{},\"arch\":{:?},{}}}",
        dispatch::KERNELS, dispatch::ARITY, features(), crate::lanes::width(), scratch_floats(), std::env::consts::ARCH, cpu()
    );
    string(env, &info)
}

unsafe extern "C" fn drop_pool(_env: napi_env, data: *mut c_void, _hint: *mut c_void) {
    drop(Box::from_raw(data as *mut Pool));
}

/// createPool(threads) → an external owning the pool (freed by GC or destroyPool).
unsafe extern "C" fn js_create_pool(env: napi_env, info: napi_callback_info) -> napi_value {
    let [t] = args::<1>(env, info);
    let threads = match to_f64(env, t) {
        Ok(x) if x >= 1.0 && x <= 256.0 && x.fract() == 0.0 => x as usize,
        _ => return throw(env, "createPool: threads must be an integer from 1 to 256"),
    };
    let pool = Box::into_raw(Box::new(Pool::new(threads, scratch_floats())));
    let mut v = std::ptr::null_mut();
    napi_create_external(env, pool as *mut c_void, Some(drop_pool), std::ptr::null_mut(), &mut v);
    v
}

unsafe fn pool_of<'a>(env: napi_env, v: napi_value) -> Option<&'a Pool> {
    let mut p = std::ptr::null_mut();
    if napi_get_value_external(env, v, &mut p) != NAPI_OK || p.is_null() {
        return None;
    }
    Some(&*(p as *const Pool))
}

/// destroyPool(pool): joins its threads now (a disposed backend's pool would
/// otherwise live until the GC finalizes its handle).
unsafe extern "C" fn js_destroy_pool(env: napi_env, info: napi_callback_info) -> napi_value {
    let [p] = args::<1>(env, info);
    let Some(pool) = pool_of(env, p) else { return throw(env, "destroyPool: not a pool") };
    pool.shutdown();
    undefined(env)
}

/// run(pool, kernel, args: Float64Array, units, grain, maxThreads)
unsafe extern "C" fn js_run(env: napi_env, info: napi_callback_info) -> napi_value {
    let argv = args::<6>(env, info);
    let Some(pool) = pool_of(env, argv[0]) else { return throw(env, "run: not a pool") };
    if !pool.open() {
        return throw(env, "run: the pool was destroyed (backend used after dispose())");
    }
    let nums = (to_f64(env, argv[1]), to_f64(env, argv[3]), to_f64(env, argv[4]), to_f64(env, argv[5]));
    let (Ok(id), Ok(units), Ok(grain), Ok(max_threads)) = nums else { return throw(env, "run: expected numbers") };
    let kargs = match f64_slice(env, argv[2]) {
        Ok(s) => s,
        Err(e) => return throw(env, &format!("run: args: {e}")),
    };
    let id = id as usize;
    if id >= dispatch::KERNELS.len() || kargs.len() != dispatch::ARITY[id] {
        return throw(env, &format!("run: kernel {id} with {} arguments does not exist", kargs.len()));
    }
    let (units, grain) = (units as usize, (grain as usize).max(1));
    if units == 0 {
        return undefined(env);
    }
    let chunks = (units + grain - 1) / grain;
    let active = pool.threads.min(max_threads.max(1.0) as usize).min(chunks);
    let per = ((chunks + active - 1) / active) * grain;
    let task = |i: usize| {
        let lo = i * per;
        let hi = units.min(lo + per);
        if lo < hi {
            dispatch::call(id, kargs, lo, hi, pool.scratch(i));
        }
    };
    pool.run(active, &task);
    undefined(env)
}

unsafe extern "C" fn no_finalize(_env: napi_env, _data: *mut c_void, _hint: *mut c_void) {}

/// alloc(bytes) → a zero-filled external ArrayBuffer of at least `bytes`
/// (rounded up to 64), 16-byte aligned. Its memory is freed by free(), not
/// by GC: the backend owns buffer lifetimes explicitly, as on every device.
unsafe extern "C" fn js_alloc(env: napi_env, info: napi_callback_info) -> napi_value {
    let [b] = args::<1>(env, info);
    let bytes = match to_f64(env, b) {
        Ok(x) if x >= 0.0 && x.fract() == 0.0 && x < 2f64.powi(48) => x as usize,
        _ => return throw(env, "alloc: bytes must be a non-negative integer"),
    };
    let size = ((bytes.max(1) + ROUND - 1) / ROUND) * ROUND;
    let Ok(layout) = Layout::from_size_align(size, ALIGN) else { return throw(env, "alloc: size too large") };
    let ptr = std::alloc::alloc_zeroed(layout);
    if ptr.is_null() {
        return throw(env, &format!("alloc: out of memory allocating {:.2} GiB", size as f64 / 2f64.powi(30)));
    }
    let mut v = std::ptr::null_mut();
    if napi_create_external_arraybuffer(env, ptr as *mut c_void, size, Some(no_finalize), std::ptr::null_mut(), &mut v) != NAPI_OK {
        std::alloc::dealloc(ptr, layout);
        return throw(env, "alloc: cannot create an external ArrayBuffer");
    }
    v
}

unsafe fn buffer_info(env: napi_env, v: napi_value) -> Option<(*mut c_void, usize)> {
    let (mut data, mut len) = (std::ptr::null_mut(), 0usize);
    if napi_get_arraybuffer_info(env, v, &mut data, &mut len) != NAPI_OK || data.is_null() {
        return None;
    }
    Some((data, len))
}

/// address(arrayBuffer) → its data pointer as a number (exact below 2^53).
unsafe extern "C" fn js_address(env: napi_env, info: napi_callback_info) -> napi_value {
    let [b] = args::<1>(env, info);
    match buffer_info(env, b) {
        Some((data, _)) => number(env, data as usize as f64),
        None => throw(env, "address: not a live buffer"),
    }
}

/// free(arrayBuffer): detaches it (any stale JS view becomes empty), then
/// releases its memory.
unsafe extern "C" fn js_free(env: napi_env, info: napi_callback_info) -> napi_value {
    let [b] = args::<1>(env, info);
    let Some((data, len)) = buffer_info(env, b) else { return throw(env, "free: not a live buffer") };
    if len % ROUND != 0 || data as usize % ALIGN != 0 {
        return throw(env, "free: not a buffer of this backend");
    }
    if napi_detach_arraybuffer(env, b) != NAPI_OK {
        return throw(env, "free: cannot detach the buffer");
    }
    std::alloc::dealloc(data as *mut u8, Layout::from_size_align_unchecked(len, ALIGN));
    undefined(env)
}

#[no_mangle]
pub unsafe extern "C" fn napi_register_module_v1(env: napi_env, exports: napi_value) -> napi_value {
    register(env, exports, "info", js_info);
    register(env, exports, "createPool", js_create_pool);
    register(env, exports, "destroyPool", js_destroy_pool);
    register(env, exports, "run", js_run);
    register(env, exports, "alloc", js_alloc);
    register(env, exports, "address", js_address);
    register(env, exports, "free", js_free);
    mpi::register_all(env, exports);
    exports
}
