//! MPI for data-parallel training, opened at run time: the addon links no MPI,
//! so Kiln installs and runs where none exists. `mpiOpen(name)` dlopens a
//! libmpi with RTLD_GLOBAL (Open MPI then loads its own components, which
//! must see libmpi's symbols) and resolves the few functions used here.
//!
//! Handles differ by implementation: Open MPI's are addresses of exported
//! objects (`MPI_COMM_WORLD` is `&ompi_mpi_comm_world`, looked up with dlsym),
//! MPICH's (and its ABI family: Intel MPI, MVAPICH, Cray) are `int`
//! constants. `Lib<H>` is generic over the handle type so each calls its
//! functions with the exact C signature.
//!
//! Every call comes from the JS main thread. Collectives are blocking; a
//! watchdog thread ends the process (exit code 70) when one that moves data
//! waits longer than `mpiSetTimeout(seconds)`, so a rank whose peers vanished
//! without mpirun noticing cannot hang forever.
use super::napi::*;
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::sync::atomic::{AtomicI32, AtomicU64, AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

#[cfg_attr(target_os = "linux", link(name = "dl"))]
extern "C" {
    fn dlopen(filename: *const c_char, flag: c_int) -> *mut c_void;
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
    fn dlerror() -> *mut c_char;
}

extern "C" {
    fn _exit(code: c_int) -> !;
    // Node-API, resolved from the node process like those in napi.rs.
    fn napi_get_value_string_utf8(env: napi_env, value: napi_value, buf: *mut c_char, size: usize, result: *mut usize) -> napi_status;
}

#[cfg(target_os = "macos")]
const RTLD_GLOBAL: c_int = 0x8;
#[cfg(not(target_os = "macos"))]
const RTLD_GLOBAL: c_int = 0x100;
const RTLD_NOW: c_int = 2;

/// Largest element count one MPI call takes (its counts are C ints).
const MAX_COUNT: usize = i32::MAX as usize;
/// Broadcasts go in chunks of this many bytes.
const BCAST_CHUNK: usize = 1 << 30;

/// The functions used, with handles of type H, and the handles themselves.
struct Lib<H: Copy> {
    init: unsafe extern "C" fn(*mut c_int, *mut *mut *mut c_char) -> c_int,
    initialized: unsafe extern "C" fn(*mut c_int) -> c_int,
    finalize: unsafe extern "C" fn() -> c_int,
    comm_rank: unsafe extern "C" fn(H, *mut c_int) -> c_int,
    comm_size: unsafe extern "C" fn(H, *mut c_int) -> c_int,
    allreduce: unsafe extern "C" fn(*const c_void, *mut c_void, c_int, H, H, H) -> c_int,
    reduce_scatter: unsafe extern "C" fn(*const c_void, *mut c_void, *const c_int, H, H, H) -> c_int,
    allgatherv: unsafe extern "C" fn(*const c_void, c_int, H, *mut c_void, *const c_int, *const c_int, H, H) -> c_int,
    bcast: unsafe extern "C" fn(*mut c_void, c_int, H, c_int, H) -> c_int,
    barrier: unsafe extern "C" fn(H) -> c_int,
    abort: unsafe extern "C" fn(H, c_int) -> c_int,
    world: H,
    float: H,
    double: H,
    byte: H,
    sum: H,
    in_place: *mut c_void,
}

enum Mpi {
    Open(Lib<usize>),
    Mpich(Lib<c_int>),
}

struct Opened {
    mpi: Mpi,
    /// "Open MPI" or "MPICH" (the handle ABI), the file opened and MPI_Get_library_version.
    implementation: &'static str,
    library: String,
    version: String,
}

// Only the JS main thread reaches these handles; the watchdog reads atomics alone.
unsafe impl Send for Opened {}
unsafe impl Sync for Opened {}

static OPENED: OnceLock<Opened> = OnceLock::new();
static RANK: AtomicI32 = AtomicI32::new(-1);

/// Runs `$body` with `$l` bound to the library, whatever its handle type.
macro_rules! with_lib {
    ($mpi:expr, $l:ident => $body:expr) => {
        match $mpi {
            Mpi::Open($l) => $body,
            Mpi::Mpich($l) => $body,
        }
    };
}

unsafe fn sym(handle: *mut c_void, name: &str) -> Result<*mut c_void, String> {
    let cname = CString::new(name).unwrap_or_default();
    let p = dlsym(handle, cname.as_ptr());
    if p.is_null() {
        return Err(format!("the library has no symbol {name}"));
    }
    Ok(p)
}

/// A function pointer of type F from a symbol.
unsafe fn func<F: Copy>(handle: *mut c_void, name: &str) -> Result<F, String> {
    let p = sym(handle, name)?;
    Ok(std::mem::transmute_copy::<*mut c_void, F>(&p))
}

unsafe fn load<H: Copy>(h: *mut c_void, handles: [H; 5], in_place: *mut c_void) -> Result<Lib<H>, String> {
    let [world, float, double, byte, sum] = handles;
    Ok(Lib {
        init: func(h, "MPI_Init")?,
        initialized: func(h, "MPI_Initialized")?,
        finalize: func(h, "MPI_Finalize")?,
        comm_rank: func(h, "MPI_Comm_rank")?,
        comm_size: func(h, "MPI_Comm_size")?,
        allreduce: func(h, "MPI_Allreduce")?,
        reduce_scatter: func(h, "MPI_Reduce_scatter")?,
        allgatherv: func(h, "MPI_Allgatherv")?,
        bcast: func(h, "MPI_Bcast")?,
        barrier: func(h, "MPI_Barrier")?,
        abort: func(h, "MPI_Abort")?,
        world,
        float,
        double,
        byte,
        sum,
        in_place,
    })
}

unsafe fn open(name: &str) -> Result<Opened, String> {
    let cname = CString::new(name).map_err(|_| "the library name holds a NUL byte".to_string())?;
    let h = dlopen(cname.as_ptr(), RTLD_NOW | RTLD_GLOBAL);
    if h.is_null() {
        let e = dlerror();
        return Err(if e.is_null() { "dlopen failed".into() } else { CStr::from_ptr(e).to_string_lossy().into_owned() });
    }
    // MPI_Get_library_version may be called before MPI_Init (MPI 3.0).
    let get_version: unsafe extern "C" fn(*mut c_char, *mut c_int) -> c_int = func(h, "MPI_Get_library_version")?;
    let mut text = vec![0u8; 8192];
    let mut len: c_int = 0;
    get_version(text.as_mut_ptr() as *mut c_char, &mut len);
    text.truncate((len.max(0) as usize).min(text.len()));
    let version = String::from_utf8_lossy(&text).trim().replace('\n', " ");
    let (mpi, implementation) = if let Ok(world) = sym(h, "ompi_mpi_comm_world") {
        let handles = [
            world as usize,
            sym(h, "ompi_mpi_float")? as usize,
            sym(h, "ompi_mpi_double")? as usize,
            sym(h, "ompi_mpi_byte")? as usize,
            sym(h, "ompi_mpi_op_sum")? as usize,
        ];
        (Mpi::Open(load(h, handles, 1usize as *mut c_void)?), "Open MPI")
    } else {
        // mpi.h of MPICH: MPI_COMM_WORLD, MPI_FLOAT, MPI_DOUBLE, MPI_BYTE, MPI_SUM; MPI_IN_PLACE is (void *) -1.
        let handles = [0x4400_0000u32 as c_int, 0x4c00_040au32 as c_int, 0x4c00_080bu32 as c_int, 0x4c00_010du32 as c_int, 0x5800_0003u32 as c_int];
        (Mpi::Mpich(load(h, handles, usize::MAX as *mut c_void)?), "MPICH")
    };
    Ok(Opened { mpi, implementation, library: name.to_string(), version })
}

fn opened() -> Result<&'static Opened, String> {
    OPENED.get().ok_or_else(|| "MPI is not open (call mpiOpen first)".to_string())
}

fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn describe(o: &Opened) -> String {
    format!(
        "{{\"implementation\":{},\"library\":{},\"version\":{}}}",
        json_str(o.implementation),
        json_str(&o.library),
        json_str(&o.version)
    )
}

// ---- the watchdog -------------------------------------------------------------

static START: OnceLock<Instant> = OnceLock::new();
/// Milliseconds after START by which the current collective must return; 0: none running.
static DEADLINE_MS: AtomicU64 = AtomicU64::new(0);
static TIMEOUT_MS: AtomicU64 = AtomicU64::new(0);
/// Index into OPS of the collective being watched.
static WATCHED: AtomicUsize = AtomicUsize::new(0);
const OPS: [&str; 4] = ["allReduce", "reduceScatter", "allGather", "broadcast"];

fn now_ms() -> u64 {
    START.get_or_init(Instant::now).elapsed().as_millis() as u64 + 1
}

fn start_watchdog() {
    static STARTED: OnceLock<()> = OnceLock::new();
    STARTED.get_or_init(|| {
        now_ms();
        std::thread::spawn(|| loop {
            std::thread::sleep(Duration::from_millis(250));
            let deadline = DEADLINE_MS.load(Ordering::Acquire);
            if deadline != 0 && now_ms() > deadline {
                let op = OPS[WATCHED.load(Ordering::Relaxed)];
                let secs = TIMEOUT_MS.load(Ordering::Relaxed) as f64 / 1000.0;
                eprintln!(
                    "kiln: rank {}: MPI {op} waited more than {secs} s for the other ranks (KILN_MPI_TIMEOUT): a peer is gone or stuck; exiting",
                    RANK.load(Ordering::Relaxed)
                );
                unsafe { _exit(70) };
            }
        });
    });
}

/// Arms the watchdog for one collective; disarmed when dropped.
struct Watch;
impl Watch {
    fn new(op: usize) -> Watch {
        let timeout = TIMEOUT_MS.load(Ordering::Relaxed);
        if timeout > 0 {
            WATCHED.store(op, Ordering::Relaxed);
            DEADLINE_MS.store(now_ms() + timeout, Ordering::Release);
        }
        Watch
    }
}
impl Drop for Watch {
    fn drop(&mut self) {
        DEADLINE_MS.store(0, Ordering::Release);
    }
}

// ---- typed arrays -------------------------------------------------------------

const UINT8: i32 = 1;
const FLOAT32: i32 = 7;
const FLOAT64: i32 = 8;

struct Typed {
    kind: i32,
    data: *mut c_void,
    /// Elements.
    len: usize,
    bytes: usize,
}

unsafe fn typed(env: napi_env, v: napi_value) -> Result<Typed, String> {
    let (mut kind, mut len, mut data, mut offset) = (0i32, 0usize, std::ptr::null_mut(), 0usize);
    let mut ab = std::ptr::null_mut();
    if napi_get_typedarray_info(env, v, &mut kind, &mut len, &mut data, &mut ab, &mut offset) != NAPI_OK {
        return Err("expected a typed array".into());
    }
    let size = match kind {
        0 | 1 | 2 => 1,
        3 | 4 => 2,
        5 | 6 | FLOAT32 => 4,
        _ => 8,
    };
    Ok(Typed { kind, data, len, bytes: len * size })
}

/// The MPI datatype of a Float32Array or Float64Array.
fn float_type<H: Copy>(l: &Lib<H>, t: &Typed) -> Result<H, String> {
    match t.kind {
        FLOAT32 => Ok(l.float),
        FLOAT64 => Ok(l.double),
        _ => Err("expected a Float32Array or a Float64Array".into()),
    }
}

/// Counts per rank as C ints (from a Float64Array), with their sum.
unsafe fn counts_arg(env: napi_env, v: napi_value, size: usize) -> Result<(Vec<c_int>, usize), String> {
    let c = f64_slice(env, v)?;
    if c.len() != size {
        return Err(format!("expected {size} counts (one per rank), got {}", c.len()));
    }
    let mut out = Vec::with_capacity(size);
    for &x in c {
        if !(x >= 0.0 && x.fract() == 0.0 && x <= MAX_COUNT as f64) {
            return Err(format!("count {x} is not an integer from 0 to {MAX_COUNT}"));
        }
        out.push(x as c_int);
    }
    let total = out.iter().map(|&n| n as usize).sum();
    Ok((out, total))
}

fn check(rc: c_int, what: &str) -> Result<(), String> {
    if rc == 0 {
        Ok(())
    } else {
        Err(format!("{what} returned MPI error {rc}"))
    }
}

fn size_of_world() -> usize {
    WORLD_SIZE.load(Ordering::Relaxed) as usize
}
static WORLD_SIZE: AtomicI32 = AtomicI32::new(0);

fn initialized() -> Result<&'static Opened, String> {
    let o = opened()?;
    if size_of_world() == 0 {
        return Err("MPI is not initialized (call mpiInit first)".into());
    }
    Ok(o)
}

// ---- the operations -----------------------------------------------------------

unsafe fn init(o: &Opened) -> Result<String, String> {
    let (rank, size) = with_lib!(&o.mpi, l => {
        let mut done: c_int = 0;
        check((l.initialized)(&mut done), "MPI_Initialized")?;
        if done == 0 {
            check((l.init)(std::ptr::null_mut(), std::ptr::null_mut()), "MPI_Init")?;
        }
        let (mut rank, mut size) = (0, 0);
        check((l.comm_rank)(l.world, &mut rank), "MPI_Comm_rank")?;
        check((l.comm_size)(l.world, &mut size), "MPI_Comm_size")?;
        (rank, size)
    });
    RANK.store(rank, Ordering::Relaxed);
    WORLD_SIZE.store(size, Ordering::Relaxed);
    Ok(format!("{{\"rank\":{rank},\"size\":{size}}}"))
}

unsafe fn all_reduce(o: &Opened, t: &Typed) -> Result<(), String> {
    let _w = Watch::new(0);
    with_lib!(&o.mpi, l => {
        let dtype = float_type(l, t)?;
        let elem = t.bytes / t.len.max(1);
        let mut done = 0;
        // One call per 2^31-1 elements at most (MPI counts are ints).
        while done < t.len {
            let n = (t.len - done).min(MAX_COUNT);
            let p = (t.data as *mut u8).add(done * elem) as *mut c_void;
            check((l.allreduce)(l.in_place, p, n as c_int, dtype, l.sum, l.world), "MPI_Allreduce")?;
            done += n;
        }
        Ok(())
    })
}

unsafe fn reduce_scatter(o: &Opened, send: &Typed, recv: &Typed, counts: &[c_int], total: usize) -> Result<(), String> {
    if send.kind != recv.kind {
        return Err("send and receive arrays differ in type".into());
    }
    if total != send.len {
        return Err(format!("the counts add up to {total}, the send array has {}", send.len));
    }
    let mine = counts[RANK.load(Ordering::Relaxed) as usize] as usize;
    if recv.len < mine {
        return Err(format!("the receive array has {} elements, this rank's count is {mine}", recv.len));
    }
    let _w = Watch::new(1);
    with_lib!(&o.mpi, l => {
        let dtype = float_type(l, send)?;
        check((l.reduce_scatter)(send.data, recv.data, counts.as_ptr(), dtype, l.sum, l.world), "MPI_Reduce_scatter")
    })
}

unsafe fn all_gather(o: &Opened, buf: &Typed, counts: &[c_int], total: usize) -> Result<(), String> {
    if total != buf.len {
        return Err(format!("the counts add up to {total}, the array has {}", buf.len));
    }
    let mut displs = Vec::with_capacity(counts.len());
    let mut at: usize = 0;
    for &c in counts {
        if at > MAX_COUNT {
            return Err(format!("offsets beyond {MAX_COUNT} elements: gather in smaller pieces"));
        }
        displs.push(at as c_int);
        at += c as usize;
    }
    let _w = Watch::new(2);
    with_lib!(&o.mpi, l => {
        let dtype = float_type(l, buf)?;
        check(
            (l.allgatherv)(l.in_place, 0, dtype, buf.data, counts.as_ptr(), displs.as_ptr(), dtype, l.world),
            "MPI_Allgatherv",
        )
    })
}

unsafe fn broadcast(o: &Opened, t: &Typed, root: c_int) -> Result<(), String> {
    let _w = Watch::new(3);
    with_lib!(&o.mpi, l => {
        let mut done = 0;
        while done < t.bytes {
            let n = (t.bytes - done).min(BCAST_CHUNK);
            let p = (t.data as *mut u8).add(done) as *mut c_void;
            check((l.bcast)(p, n as c_int, l.byte, root, l.world), "MPI_Bcast")?;
            done += n;
        }
        Ok(())
    })
}

// ---- Node-API bindings --------------------------------------------------------

fn or_throw(env: napi_env, r: Result<napi_value, String>) -> napi_value {
    match r {
        Ok(v) => v,
        Err(e) => unsafe { throw(env, &format!("MPI: {e}")) },
    }
}

/// mpiOpen(library) → JSON {implementation, library, version}; the first library opened stays.
unsafe extern "C" fn js_open(env: napi_env, info: napi_callback_info) -> napi_value {
    let [name] = args::<1>(env, info);
    let mut buf = vec![0u8; 4096];
    let mut len = 0usize;
    if napi_get_value_string_utf8(env, name, buf.as_mut_ptr() as *mut c_char, buf.len(), &mut len) != NAPI_OK {
        return throw(env, "mpiOpen: expected the library's file name");
    }
    let name = String::from_utf8_lossy(&buf[..len]).into_owned();
    if let Some(o) = OPENED.get() {
        return string(env, &describe(o));
    }
    match open(&name) {
        Ok(o) => {
            let text = describe(&o);
            let _ = OPENED.set(o);
            string(env, &text)
        }
        Err(e) => throw(env, &format!("mpiOpen {name}: {e}")),
    }
}

/// mpiInit() → JSON {rank, size} (MPI_Init unless already initialized).
unsafe extern "C" fn js_init(env: napi_env, _info: napi_callback_info) -> napi_value {
    or_throw(env, opened().and_then(|o| init(o)).map(|s| string(env, &s)))
}

/// mpiAllReduce(Float32Array | Float64Array): the sum over ranks, in place.
unsafe extern "C" fn js_all_reduce(env: napi_env, info: napi_callback_info) -> napi_value {
    let [a] = args::<1>(env, info);
    or_throw(env, (|| {
        let o = initialized()?;
        all_reduce(o, &typed(env, a)?)?;
        Ok(undefined(env))
    })())
}

/// mpiReduceScatter(send, recv, counts: Float64Array): recv[0..counts[rank]) = this rank's part of the sum.
unsafe extern "C" fn js_reduce_scatter(env: napi_env, info: napi_callback_info) -> napi_value {
    let [s, r, c] = args::<3>(env, info);
    or_throw(env, (|| {
        let o = initialized()?;
        let (counts, total) = counts_arg(env, c, size_of_world())?;
        reduce_scatter(o, &typed(env, s)?, &typed(env, r)?, &counts, total)?;
        Ok(undefined(env))
    })())
}

/// mpiAllGather(buf, counts: Float64Array): each rank's part sits at its offset in buf; afterwards all do.
unsafe extern "C" fn js_all_gather(env: napi_env, info: napi_callback_info) -> napi_value {
    let [b, c] = args::<2>(env, info);
    or_throw(env, (|| {
        let o = initialized()?;
        let (counts, total) = counts_arg(env, c, size_of_world())?;
        all_gather(o, &typed(env, b)?, &counts, total)?;
        Ok(undefined(env))
    })())
}

/// mpiBroadcast(typedArray, root): root's bytes to every rank.
unsafe extern "C" fn js_broadcast(env: napi_env, info: napi_callback_info) -> napi_value {
    let [a, r] = args::<2>(env, info);
    or_throw(env, (|| {
        let o = initialized()?;
        let root = to_f64(env, r)?;
        if !(root >= 0.0 && root.fract() == 0.0 && (root as usize) < size_of_world()) {
            return Err(format!("broadcast: root {root} is not a rank"));
        }
        let t = typed(env, a)?;
        if t.kind != UINT8 && t.kind != FLOAT32 && t.kind != FLOAT64 && t.kind != 5 {
            return Err("broadcast: expected a Uint8Array, Int32Array, Float32Array or Float64Array".into());
        }
        broadcast(o, &t, root as c_int)?;
        Ok(undefined(env))
    })())
}

/// mpiBarrier(): unwatched, since ranks wait here while rank 0 runs a stage alone (mpirun ends them if it dies).
unsafe extern "C" fn js_barrier(env: napi_env, _info: napi_callback_info) -> napi_value {
    or_throw(env, (|| {
        let o = initialized()?;
        with_lib!(&o.mpi, l => check((l.barrier)(l.world), "MPI_Barrier"))?;
        Ok(undefined(env))
    })())
}

unsafe extern "C" fn js_finalize(env: napi_env, _info: napi_callback_info) -> napi_value {
    or_throw(env, (|| {
        let o = initialized()?;
        with_lib!(&o.mpi, l => check((l.finalize)(), "MPI_Finalize"))?;
        WORLD_SIZE.store(0, Ordering::Relaxed);
        Ok(undefined(env))
    })())
}

/// mpiAbort(code): ends every rank of the job (MPI_Abort); returns only if MPI could not.
unsafe extern "C" fn js_abort(env: napi_env, info: napi_callback_info) -> napi_value {
    let [c] = args::<1>(env, info);
    let code = to_f64(env, c).unwrap_or(1.0) as c_int;
    or_throw(env, (|| {
        let o = initialized()?;
        with_lib!(&o.mpi, l => check((l.abort)(l.world, code), "MPI_Abort"))?;
        Ok(undefined(env))
    })())
}

/// mpiSetTimeout(seconds): a collective that waits longer ends the process (exit 70); 0 turns it off.
unsafe extern "C" fn js_set_timeout(env: napi_env, info: napi_callback_info) -> napi_value {
    let [s] = args::<1>(env, info);
    match to_f64(env, s) {
        Ok(x) if x >= 0.0 && x.is_finite() => {
            TIMEOUT_MS.store((x * 1000.0) as u64, Ordering::Relaxed);
            if x > 0.0 {
                start_watchdog();
            }
            undefined(env)
        }
        _ => throw(env, "mpiSetTimeout: seconds must be a non-negative number"),
    }
}

pub unsafe fn register_all(env: napi_env, exports: napi_value) {
    register(env, exports, "mpiOpen", js_open);
    register(env, exports, "mpiInit", js_init);
    register(env, exports, "mpiAllReduce", js_all_reduce);
    register(env, exports, "mpiReduceScatter", js_reduce_scatter);
    register(env, exports, "mpiAllGather", js_all_gather);
    register(env, exports, "mpiBroadcast", js_broadcast);
    register(env, exports, "mpiBarrier", js_barrier);
    register(env, exports, "mpiFinalize", js_finalize);
    register(env, exports, "mpiAbort", js_abort);
    register(env, exports, "mpiSetTimeout", js_set_timeout);
}
