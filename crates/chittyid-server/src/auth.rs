//! Bearer-token checks, compared in constant time: the strict front's, and the
//! minting back end's (which reads only `Authorization`).

use axum::http::HeaderMap;

/// `true` when `a` and `b` are equal, in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// `true` when the request carries `Authorization: Bearer T` (or `X-API-Key: T`) for one
/// of `tokens`. Every token is compared, so the time does not tell which one matched.
pub fn authorized(headers: &HeaderMap, tokens: &[String]) -> bool {
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let api_key = headers.get("x-api-key").and_then(|v| v.to_str().ok());
    let Some(given) = bearer.or(api_key) else {
        return false;
    };
    tokens.iter().fold(false, |ok, token| {
        ok | constant_time_eq(given.as_bytes(), token.as_bytes())
    })
}

/// `true` when an `Authorization` value is `Bearer T` for one of `tokens` (the minting
/// back end reads only this header: the real front forwards no `X-API-Key`).
pub fn bearer_authorized(authorization: Option<&str>, tokens: &[String]) -> bool {
    let Some(given) = authorization
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
    else {
        return false;
    };
    tokens.iter().fold(false, |ok, token| {
        ok | constant_time_eq(given.as_bytes(), token.as_bytes())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_and_api_key() {
        let tokens = vec!["s3cret".to_string()];
        let mut headers = HeaderMap::new();
        assert!(!authorized(&headers, &tokens));
        headers.insert("authorization", "Bearer s3cret".parse().unwrap());
        assert!(authorized(&headers, &tokens));
        headers.insert("authorization", "Bearer s3creT".parse().unwrap());
        assert!(!authorized(&headers, &tokens));
        let mut headers = HeaderMap::new();
        headers.insert("x-api-key", "s3cret".parse().unwrap());
        assert!(authorized(&headers, &tokens));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(bearer_authorized(Some("Bearer s3cret"), &tokens));
        assert!(!bearer_authorized(Some("s3cret"), &tokens));
        assert!(!bearer_authorized(None, &tokens));
    }
}
