#include "minerisk/engine/digest.hpp"

#include <libdeflate.h>
#include <openssl/evp.h>

#include <cstdio>
#include <stdexcept>

namespace minerisk {

std::string Digest::hex() const {
  static const char kHex[] = "0123456789abcdef";
  std::string text;
  text.reserve(64);
  for (std::byte b : bytes) {
    text += kHex[std::to_integer<unsigned>(b) >> 4];
    text += kHex[std::to_integer<unsigned>(b) & 15];
  }
  return text;
}

struct Sha256::Impl {
  EVP_MD_CTX* ctx = nullptr;
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {
  impl_->ctx = EVP_MD_CTX_new();
  if (!impl_->ctx || EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256: OpenSSL could not start a digest");
}

Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::add_bytes(const void* data, size_t size) {
  if (!impl_ || !impl_->ctx) throw std::logic_error("Sha256: added to after finish()");
  if (size > 0 && EVP_DigestUpdate(impl_->ctx, data, size) != 1) throw std::runtime_error("SHA-256: update failed");
}

void Sha256::add_text(const std::string& text) {
  add_int(static_cast<int64_t>(text.size()));
  add_bytes(text.data(), text.size());
}

Digest Sha256::finish() {
  if (!impl_ || !impl_->ctx) throw std::logic_error("Sha256: finished twice");
  Digest d;
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(impl_->ctx, reinterpret_cast<unsigned char*>(d.bytes.data()), &length) != 1 || length != 32)
    throw std::runtime_error("SHA-256: final failed");
  EVP_MD_CTX_free(impl_->ctx);
  impl_->ctx = nullptr;
  return d;
}

Digest sha256_of(std::span<const std::byte> data) {
  Sha256 h;
  h.add_bytes(data.data(), data.size());
  return h.finish();
}

uint32_t crc32_of(std::span<const std::byte> data) { return libdeflate_crc32(0, data.data(), data.size()); }

}  // namespace minerisk
