//! The few Node-API functions the addon uses, declared by hand (no crate
//! registry here, so no napi-rs). They are resolved from the node process
//! when the addon is loaded. Signatures follow node_api.h / js_native_api.h.
#![allow(non_camel_case_types)]
use std::ffi::{c_char, c_void, CString};

pub type napi_env = *mut c_void;
pub type napi_value = *mut c_void;
pub type napi_callback_info = *mut c_void;
pub type napi_status = i32;
pub type napi_callback = unsafe extern "C" fn(napi_env, napi_callback_info) -> napi_value;
pub type napi_finalize = Option<unsafe extern "C" fn(napi_env, *mut c_void, *mut c_void)>;

pub const NAPI_OK: napi_status = 0;

extern "C" {
    pub fn napi_create_function(
        env: napi_env, name: *const c_char, length: usize, cb: napi_callback, data: *mut c_void, result: *mut napi_value,
    ) -> napi_status;
    pub fn napi_set_named_property(env: napi_env, object: napi_value, name: *const c_char, value: napi_value) -> napi_status;
    pub fn napi_get_cb_info(
        env: napi_env, info: napi_callback_info, argc: *mut usize, argv: *mut napi_value, this_arg: *mut napi_value,
        data: *mut *mut c_void,
    ) -> napi_status;
    pub fn napi_get_value_double(env: napi_env, value: napi_value, result: *mut f64) -> napi_status;
    pub fn napi_create_double(env: napi_env, value: f64, result: *mut napi_value) -> napi_status;
    pub fn napi_create_string_utf8(env: napi_env, s: *const c_char, length: usize, result: *mut napi_value) -> napi_status;
    pub fn napi_get_undefined(env: napi_env, result: *mut napi_value) -> napi_status;
    pub fn napi_get_typedarray_info(
        env: napi_env, typedarray: napi_value, kind: *mut i32, length: *mut usize, data: *mut *mut c_void,
        arraybuffer: *mut napi_value, byte_offset: *mut usize,
    ) -> napi_status;
    pub fn napi_create_external_arraybuffer(
        env: napi_env, data: *mut c_void, byte_length: usize, finalize: napi_finalize, hint: *mut c_void,
        result: *mut napi_value,
    ) -> napi_status;
    pub fn napi_get_arraybuffer_info(env: napi_env, arraybuffer: napi_value, data: *mut *mut c_void, byte_length: *mut usize) -> napi_status;
    pub fn napi_detach_arraybuffer(env: napi_env, arraybuffer: napi_value) -> napi_status;
    pub fn napi_create_external(
        env: napi_env, data: *mut c_void, finalize: napi_finalize, hint: *mut c_void, result: *mut napi_value,
    ) -> napi_status;
    pub fn napi_get_value_external(env: napi_env, value: napi_value, result: *mut *mut c_void) -> napi_status;
    pub fn napi_throw_error(env: napi_env, code: *const c_char, msg: *const c_char) -> napi_status;
}

/// A JS exception with `msg`; the function then returns undefined.
pub unsafe fn throw(env: napi_env, msg: &str) -> napi_value {
    let text = CString::new(format!("@kiln/backend-native: {msg}")).unwrap_or_default();
    napi_throw_error(env, std::ptr::null(), text.as_ptr());
    undefined(env)
}

pub unsafe fn undefined(env: napi_env) -> napi_value {
    let mut v = std::ptr::null_mut();
    napi_get_undefined(env, &mut v);
    v
}

pub unsafe fn number(env: napi_env, x: f64) -> napi_value {
    let mut v = std::ptr::null_mut();
    napi_create_double(env, x, &mut v);
    v
}

pub unsafe fn string(env: napi_env, s: &str) -> napi_value {
    let mut v = std::ptr::null_mut();
    napi_create_string_utf8(env, s.as_ptr() as *const c_char, s.len(), &mut v);
    v
}

/// Up to N arguments of a call (missing ones are undefined).
pub unsafe fn args<const N: usize>(env: napi_env, info: napi_callback_info) -> [napi_value; N] {
    let mut argv = [std::ptr::null_mut(); N];
    let mut argc = N;
    napi_get_cb_info(env, info, &mut argc, argv.as_mut_ptr(), std::ptr::null_mut(), std::ptr::null_mut());
    argv
}

pub unsafe fn to_f64(env: napi_env, v: napi_value) -> Result<f64, String> {
    let mut x = 0.0;
    if napi_get_value_double(env, v, &mut x) != NAPI_OK {
        return Err("expected a number".into());
    }
    Ok(x)
}

/// The data of a Float64Array argument.
pub unsafe fn f64_slice<'a>(env: napi_env, v: napi_value) -> Result<&'a [f64], String> {
    let (mut kind, mut len, mut data, mut offset) = (0i32, 0usize, std::ptr::null_mut(), 0usize);
    let mut ab = std::ptr::null_mut();
    if napi_get_typedarray_info(env, v, &mut kind, &mut len, &mut data, &mut ab, &mut offset) != NAPI_OK {
        return Err("expected a Float64Array".into());
    }
    const FLOAT64: i32 = 8; // napi_float64_array
    if kind != FLOAT64 {
        return Err("expected a Float64Array".into());
    }
    Ok(if len == 0 { &[] } else { std::slice::from_raw_parts(data as *const f64, len) })
}

pub unsafe fn register(env: napi_env, exports: napi_value, name: &str, cb: napi_callback) {
    let cname = CString::new(name).unwrap_or_default();
    let mut f = std::ptr::null_mut();
    napi_create_function(env, cname.as_ptr(), name.len(), cb, std::ptr::null_mut(), &mut f);
    napi_set_named_property(env, exports, cname.as_ptr(), f);
}
