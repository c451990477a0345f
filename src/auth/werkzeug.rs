//! Password hashes written by the original Flask service (Werkzeug's `generate_password_hash`),
//! so that its users keep logging in: `pbkdf2:sha256[:iterations]$salt$hex` (Werkzeug ≤ 2.x)
//! and `scrypt:n:r:p$salt$hex` (Werkzeug ≥ 3). A match is then rehashed with argon2id.

use hmac::Hmac;
use sha2::Sha256;

/// Werkzeug 2.3's default when a hash names no iteration count.
const DEFAULT_PBKDF2_ITERATIONS: u32 = 600_000;
/// Refuse absurd parameters from a tampered row instead of burning CPU or memory on them.
const MAX_PBKDF2_ITERATIONS: u32 = 10_000_000;
const MAX_SCRYPT_LOG_N: u8 = 20;

/// `Some(matches)` for a Werkzeug hash, `None` when `stored` is not one.
pub fn verify(password: &[u8], stored: &str) -> Option<bool> {
    let mut parts = stored.splitn(3, '$');
    let (method, salt, hex) = (parts.next()?, parts.next()?, parts.next()?);
    let expected = decode_hex(hex)?;
    let mut method = method.split(':');
    let derived = match method.next()? {
        "pbkdf2" => {
            if method.next()? != "sha256" {
                return None;
            }
            let iterations = match method.next() {
                Some(n) => n.parse().ok()?,
                None => DEFAULT_PBKDF2_ITERATIONS,
            };
            if iterations == 0 || iterations > MAX_PBKDF2_ITERATIONS || expected.len() != 32 {
                return None;
            }
            let mut out = [0u8; 32];
            pbkdf2::pbkdf2::<Hmac<Sha256>>(password, salt.as_bytes(), iterations, &mut out).ok()?;
            out.to_vec()
        }
        "scrypt" => {
            let n: u64 = method.next()?.parse().ok()?;
            let r: u32 = method.next()?.parse().ok()?;
            let p: u32 = method.next()?.parse().ok()?;
            if !n.is_power_of_two() || n < 2 || expected.is_empty() || expected.len() > 128 {
                return None;
            }
            let log_n = n.trailing_zeros() as u8;
            if log_n > MAX_SCRYPT_LOG_N {
                return None;
            }
            let params = scrypt::Params::new(log_n, r, p).ok()?;
            let mut out = vec![0u8; expected.len()];
            scrypt::scrypt(password, salt.as_bytes(), &params, &mut out).ok()?;
            out
        }
        _ => return None,
    };
    Some(super::constant_time_eq(&derived, &expected))
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_what_is_not_a_werkzeug_hash() {
        assert_eq!(verify(b"x", "$argon2id$v=19$m=19456,t=2,p=1$abc$def"), None);
        assert_eq!(verify(b"x", "plain"), None);
        assert_eq!(verify(b"x", "pbkdf2:sha1:1000$salt$00"), None);
        assert_eq!(verify(b"x", "pbkdf2:sha256:0$salt$00"), None);
        assert_eq!(verify(b"x", "scrypt:1000:8:1$salt$00"), None);
        assert_eq!(verify(b"x", "pbkdf2:sha256:1000$salt$zz"), None);
    }

    #[test]
    fn pbkdf2_matches_a_published_vector() {
        // PBKDF2-HMAC-SHA256("password", "salt", 1, 32), a published test vector.
        let stored =
            "pbkdf2:sha256:1$salt$120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b";
        assert_eq!(verify(b"password", stored), Some(true));
        assert_eq!(verify(b"Password", stored), Some(false));
    }

    #[test]
    fn scrypt_matches_the_rfc_7914_vector() {
        // scrypt("password", "NaCl", N=1024, r=8, p=16, dkLen=64), RFC 7914 section 12.
        let stored = "scrypt:1024:8:16$NaCl$fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640";
        assert_eq!(verify(b"password", stored), Some(true));
        assert_eq!(verify(b"passwore", stored), Some(false));
    }
}
