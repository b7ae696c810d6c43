//! Token embedding lookup (units: rows) and its deterministic backward
//! (units: columns: each thread owns a column range of the whole table and
//! adds the rows in token order, so repeated ids never race).
use crate::lanes::{widest, Lanes};

/// out[n,C] = table[ids[n], :]. Ids are validated by the caller.
#[no_mangle]
pub unsafe extern "C" fn kiln_embedding(out: *mut f32, table: *const f32, ids: *const i32, c: usize, lo: usize, hi: usize) {
    for r in lo..hi {
        let src = table.add(*ids.add(r) as usize * c);
        core::ptr::copy_nonoverlapping(src, out.add(r * c), c);
    }
}

widest! {
    /// dtable[ids[r], lo..hi] += dout[r, lo..hi] for every row r in order.
    pub unsafe extern "C" fn kiln_embedding_backward(dtable: *mut f32, dout: *const f32, ids: *const i32, n: usize, c: usize, lo: usize, hi: usize) => embedding_backward;
}

#[inline(always)]
unsafe fn embedding_backward<L: Lanes>(dtable: *mut f32, dout: *const f32, ids: *const i32, n: usize, c: usize, lo: usize, hi: usize) {
    for r in 0..n {
        let d = dtable.add(*ids.add(r) as usize * c);
        let s = dout.add(r * c);
        let mut j = lo;
        while j + L::N <= hi {
            L::store(d.add(j), L::add(L::load(d.add(j)), L::load(s.add(j))));
            j += L::N;
        }
        while j < hi {
            *d.add(j) += *s.add(j);
            j += 1;
        }
    }
}
