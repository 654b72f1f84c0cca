//! The std client over HTTPS: the reference service serving a certificate from a test
//! CA (rcgen); the client trusts that CA, and refuses the service without it.

use chittyid::EntityType;
use chittyid_server::{Server, ServerConfig, TlsFiles};
use chittyid_std::{Client, MintAnswer, MintRequest, Unanswered, Validation};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};

struct TestPki {
    ca_pem: String,
    leaf: TlsFiles,
}

fn pki() -> TestPki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_params =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();
    TestPki {
        ca_pem: ca_cert.pem(),
        leaf: TlsFiles {
            cert_pem: leaf.pem().into_bytes(),
            key_pem: leaf_key.serialize_pem().into_bytes(),
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mint_and_validate_over_https_with_a_test_ca() {
    let pki = pki();
    let config = ServerConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        tokens: vec!["tls-token".into()],
        tls: Some(pki.leaf),
        ..ServerConfig::default()
    };
    let server = Server::start(config).await.unwrap();
    assert!(server.url().starts_with("https://"));
    let client = Client::builder()
        .service_url(server.url())
        .token("tls-token")
        .add_root_certificates_pem(pki.ca_pem.as_bytes())
        .health_monitor(false)
        .build()
        .unwrap();
    let Ok(MintAnswer::Minted(id)) = client.mint(MintRequest::new(EntityType::Event)).await else {
        panic!("mint over TLS failed");
    };
    let verdict = client.validate(&id.to_string()).await;
    assert!(
        matches!(verdict, Validation::Authoritative { valid: true, .. }),
        "{verdict:?}"
    );
    assert!(client.health().await.unwrap().healthy);

    // Without the test CA the handshake fails: nothing is sent, the verdict is local-only.
    let stranger = Client::builder()
        .service_url(server.url())
        .health_monitor(false)
        .build()
        .unwrap();
    let verdict = stranger.validate(&id.to_string()).await;
    assert!(
        matches!(
            verdict,
            Validation::LocalOnly {
                reason: Unanswered::Failed {
                    last: chittyid::engine::Failure::NotSent,
                    ..
                },
                ..
            }
        ),
        "{verdict:?}"
    );
    server.shutdown().await;
}

#[test]
fn bad_settings_are_typed_errors_and_the_token_stays_secret() {
    use chittyid_std::BuildError;
    let built = Client::builder()
        .service_url("ftp://example")
        .health_monitor(false)
        .build();
    assert!(matches!(built, Err(BuildError::InvalidUrl(_))));
    let built = Client::builder()
        .service_url("http://h:1/path")
        .health_monitor(false)
        .build();
    assert!(matches!(built, Err(BuildError::InvalidUrl(_))));
    let built = Client::builder().service_url("http://127.0.0.1:1").build();
    assert!(
        matches!(built, Err(BuildError::NoRuntime)),
        "the monitor needs a runtime"
    );
    let builder = Client::builder()
        .service_url("http://127.0.0.1:1")
        .token("super-secret-token");
    assert!(!format!("{builder:?}").contains("super-secret-token"));
    let client = builder.health_monitor(false).build().unwrap();
    assert!(!format!("{client:?}").contains("super-secret-token"));
    // A token pasted with its line break would add a header of its own: refused,
    // with a message that does not show it.
    let built = Client::builder()
        .service_url("http://127.0.0.1:1")
        .token("super-secret-token\r\nX-Evil: 1")
        .health_monitor(false)
        .build();
    let Err(BuildError::InvalidToken(error)) = built else {
        panic!("a token with a line break must be refused");
    };
    assert_eq!(error, chittyid_std::HeadValueError::Forbidden { at: 18 });
    assert!(!error.to_string().contains("super-secret"));
    let built = Client::builder()
        .service_url("http://127.0.0.1:1")
        .token("two words")
        .health_monitor(false)
        .build();
    assert!(matches!(built, Err(BuildError::InvalidToken(_))));
    let bad_ca = Client::builder().add_root_certificates_pem(
        b"-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
    );
    assert!(matches!(
        bad_ca.health_monitor(false).build(),
        Err(BuildError::Tls(_))
    ));
}
