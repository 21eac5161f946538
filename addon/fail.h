// Throwing an error from the runtime-side addon functions (never from code after clone): the text,
// ": strerror(err)" when there is an errno, anything to say after it, and err as the error's errno.
#pragma once

#include <napi.h>
#include <string.h>

#include <string>

namespace tsr {

inline Napi::Value Fail(Napi::Env env, const std::string &what, int err = 0, const std::string &after = "") {
  Napi::Error e = Napi::Error::New(env, what + (err ? std::string(": ") + strerror(err) : "") + after);
  if (err) e.Set("errno", Napi::Number::New(env, err));
  e.ThrowAsJavaScriptException();
  return env.Undefined();
}

// A call with the wrong arguments: false, with a TypeError giving the function's usage, unless `ok`.
inline bool Usage(const Napi::CallbackInfo &info, bool ok, const char *usage) {
  if (!ok) Napi::TypeError::New(info.Env(), usage).ThrowAsJavaScriptException();
  return ok;
}

}  // namespace tsr
