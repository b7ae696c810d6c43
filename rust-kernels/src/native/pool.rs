//! One persistent thread pool per backend: the calling (JS main) thread is
//! thread 0, plus `threads - 1` std threads. A dispatch publishes a task and
//! bumps a generation counter; workers spin on it briefly, then sleep on a
//! condvar. Thread i runs unit range i of the split, exactly as the wasm
//! backend's JS pool splits (ranges aligned to a grain, range 0 on the
//! caller), so results never depend on the thread count.
use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

/// Spin iterations before a worker sleeps (~0.1–0.3 ms: a pause is 40–140
/// cycles): ops come back to back in a training step, and a condvar wake
/// costs ~5–20 µs.
const WORKER_SPIN: u32 = 4_000;

/// A task borrowed from the dispatching thread's stack for one dispatch.
type Task = *const (dyn Fn(usize) + Sync);

struct Shared {
    generation: AtomicU64,
    /// Workers that have not yet acknowledged the current dispatch. Every
    /// worker acknowledges (idle ones too), so none can still be reading the
    /// task when the next dispatch overwrites it.
    pending: AtomicUsize,
    quit: AtomicBool,
    /// Written only by the dispatcher, before bumping `generation`, while no
    /// worker is running; read by workers after they see the new generation.
    task: UnsafeCell<(Task, usize)>,
    sleep: Mutex<()>,
    wake: Condvar,
}

// The task pointer is only dereferenced while its dispatch is waiting.
unsafe impl Sync for Shared {}
unsafe impl Send for Shared {}

pub struct Pool {
    pub threads: usize,
    shared: Arc<Shared>,
    workers: Mutex<Vec<JoinHandle<()>>>,
    /// Per-thread scratch (index = thread), 64-byte aligned.
    scratch: Vec<Scratch>,
}

pub struct Scratch {
    ptr: *mut f32,
    layout: std::alloc::Layout,
}

// Each thread uses only its own scratch block.
unsafe impl Send for Scratch {}
unsafe impl Sync for Scratch {}

impl Scratch {
    fn new(floats: usize) -> Scratch {
        let layout = std::alloc::Layout::from_size_align(floats.max(16) * 4, 64).expect("scratch layout");
        let ptr = unsafe { std::alloc::alloc_zeroed(layout) as *mut f32 };
        assert!(!ptr.is_null(), "@kiln/backend-native: out of memory for thread scratch");
        Scratch { ptr, layout }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        unsafe { std::alloc::dealloc(self.ptr as *mut u8, self.layout) }
    }
}

impl Pool {
    pub fn new(threads: usize, scratch_floats: usize) -> Pool {
        let shared = Arc::new(Shared {
            generation: AtomicU64::new(0),
            pending: AtomicUsize::new(0),
            quit: AtomicBool::new(false),
            task: UnsafeCell::new((std::ptr::null::<fn(usize)>() as Task, 0)),
            sleep: Mutex::new(()),
            wake: Condvar::new(),
        });
        let workers = (1..threads)
            .map(|index| {
                let shared = Arc::clone(&shared);
                std::thread::Builder::new()
                    .name(format!("kiln-native-{index}"))
                    .spawn(move || worker(&shared, index))
                    .expect("@kiln/backend-native: cannot start a worker thread")
            })
            .collect();
        let scratch = (0..threads).map(|_| Scratch::new(scratch_floats)).collect();
        Pool { threads, shared, workers: Mutex::new(workers), scratch }
    }

    pub fn scratch(&self, thread: usize) -> *mut f32 {
        self.scratch[thread].ptr
    }

    /// False once shut down: its workers are gone.
    pub fn open(&self) -> bool {
        !self.shared.quit.load(Ordering::Acquire)
    }

    /// Stops and joins the workers (idempotent). The pool runs nothing after.
    pub fn shutdown(&self) {
        self.shared.quit.store(true, Ordering::Release);
        {
            let _guard = self.shared.sleep.lock().unwrap_or_else(|e| e.into_inner());
            self.shared.wake.notify_all();
        }
        let workers = std::mem::take(&mut *self.workers.lock().unwrap_or_else(|e| e.into_inner()));
        for w in workers {
            let _ = w.join();
        }
    }

    /// Runs `task(i)` for i in 0..active: i = 0 on this thread, the others on
    /// workers 1..active; returns when all are done. The caller checks open().
    pub fn run(&self, active: usize, task: &(dyn Fn(usize) + Sync)) {
        let active = active.clamp(1, self.threads);
        if active == 1 {
            task(0);
            return;
        }
        let s = &*self.shared;
        unsafe {
            // Lifetime erased: this function does not return before every
            // worker has finished with the task.
            let erased: Task = std::mem::transmute::<&(dyn Fn(usize) + Sync), Task>(task);
            *s.task.get() = (erased, active);
        }
        s.pending.store(self.threads - 1, Ordering::Release);
        s.generation.fetch_add(1, Ordering::AcqRel);
        {
            let _guard = s.sleep.lock().unwrap_or_else(|e| e.into_inner());
            s.wake.notify_all();
        }
        task(0);
        let mut spins = 0u32;
        while s.pending.load(Ordering::Acquire) != 0 {
            spins += 1;
            if spins < 1 << 16 {
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
    }
}

fn worker(s: &Shared, index: usize) {
    let mut seen = 0u64;
    loop {
        let mut spins = 0u32;
        loop {
            let g = s.generation.load(Ordering::Acquire);
            if g != seen {
                seen = g;
                break;
            }
            if s.quit.load(Ordering::Acquire) {
                return;
            }
            spins += 1;
            if spins < WORKER_SPIN {
                std::hint::spin_loop();
                continue;
            }
            let guard = s.sleep.lock().unwrap_or_else(|e| e.into_inner());
            if s.generation.load(Ordering::Acquire) == seen && !s.quit.load(Ordering::Acquire) {
                drop(s.wake.wait(guard).unwrap_or_else(|e| e.into_inner()));
            }
            spins = 0;
        }
        if s.quit.load(Ordering::Acquire) {
            return;
        }
        let (task, active) = unsafe { *s.task.get() };
        if index < active {
            unsafe { (*task)(index) };
        }
        s.pending.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.shutdown();
    }
}
