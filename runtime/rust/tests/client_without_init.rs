//! Every way of building an `HttpClient` installs the TLS provider reqwest
//! needs, so a client built before `init` (or in a process that never calls
//! it) builds and makes https calls instead of panicking. Each way runs in a
//! process of its own (this binary again, one test selected), because the
//! provider, once installed, stays for the process.

use std::io::Write as _;
use std::net::TcpListener;
use std::process::Command;

use scaffold_runtime::telemetry::HttpClient;

const WAY: &str = "CLIENT_WITHOUT_INIT_WAY";

#[test]
fn every_way_of_building_a_client_installs_the_tls_provider() {
    for way in ["builder", "build", "from_builder"] {
        let output = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "one_way", "--nocapture", "--test-threads=1"])
            .env(WAY, way)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{way}: {text}");
        assert!(text.contains("1 passed"), "{way}: {text}");
        assert!(
            text.contains(&format!("way {way} made an https call")),
            "{text}"
        );
    }
}

/// Run by the test above with `CLIENT_WITHOUT_INIT_WAY` set; passes alone.
#[test]
fn one_way() {
    let Ok(way) = std::env::var(WAY) else {
        return;
    };
    assert!(
        rustls::crypto::CryptoProvider::get_default().is_none(),
        "nothing installed a provider yet"
    );
    let client = match way.as_str() {
        "builder" => HttpClient::new(HttpClient::builder().build().unwrap()),
        "build" => HttpClient::build().unwrap(),
        "from_builder" => HttpClient::from_builder(reqwest::Client::builder()).unwrap(),
        other => panic!("no way {other}"),
    };
    // A loopback listener that answers the TLS handshake with plain text:
    // the call fails as a connection does, not as a client without TLS.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://{}/", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        if let Ok((mut socket, _)) = listener.accept() {
            let _ = socket.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n");
        }
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let error = runtime
        .block_on(client.get(&url).send())
        .expect_err("plain text is no TLS answer");
    assert!(!error.is_builder(), "{error:?}");
    assert!(error.is_connect(), "{error:?}");
    server.join().unwrap();
    println!("way {way} made an https call");
}
