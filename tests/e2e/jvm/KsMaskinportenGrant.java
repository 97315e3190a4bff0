// A JVM client doing what KS's Maskinporten client (ks-no/fiks-maskinporten, usingVirksomhetssertifikat)
// does, with the JDK only: the business certificate from a PKCS#12 keystore (alias "authentication
// certificate", as in KS's README), a JWS with x5c = [the certificate] and alg RS256, the claims aud, iss,
// scope, jti, iat and exp two minutes later, and the form body posted without percent-encoding. HTTPS trusts
// exactly the truststore given ("default": the JDK's own trust store, without helsebro's CA).
// Run: java KsMaskinportenGrant.java KEYSTORE PASSWORD TRUSTSTORE|default CLIENT_ID AUDIENCE TOKEN_ENDPOINT
import java.io.FileInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.UUID;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

public class KsMaskinportenGrant {
    public static void main(String[] args) throws Exception {
        char[] password = args[1].toCharArray();
        KeyStore keyStore = KeyStore.getInstance("pkcs12");
        keyStore.load(new FileInputStream(args[0]), password);
        PrivateKey key = (PrivateKey) keyStore.getKey("authentication certificate", password);
        X509Certificate certificate = (X509Certificate) keyStore.getCertificate("authentication certificate");

        Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
        String header = "{\"x5c\":[\"" + Base64.getEncoder().encodeToString(certificate.getEncoded()) + "\"],\"alg\":\"RS256\"}";
        long issued = System.currentTimeMillis() / 1000;
        String claims = "{\"aud\":\"" + args[4] + "\",\"iss\":\"" + args[3] + "\",\"scope\":\"ks:fiks\",\"jti\":\""
            + UUID.randomUUID() + "\",\"iat\":" + issued + ",\"exp\":" + (issued + 120) + "}";
        String input = url.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "." + url.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
        Signature signer = Signature.getInstance("SHA256withRSA");
        signer.initSign(key);
        signer.update(input.getBytes(StandardCharsets.UTF_8));
        String grant = input + "." + url.encodeToString(signer.sign());

        SSLContext tls = SSLContext.getDefault();
        if (!args[2].equals("default")) {
            KeyStore trusted = KeyStore.getInstance("pkcs12");
            trusted.load(new FileInputStream(args[2]), "changeit".toCharArray());
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trusted);
            tls = SSLContext.getInstance("TLS");
            tls.init(null, factory.getTrustManagers(), null);
        }
        String body = "grant_type={grant_type}&assertion={assertion}"
            .replace("{grant_type}", "urn:ietf:params:oauth:grant-type:jwt-bearer").replace("{assertion}", grant);
        HttpRequest request = HttpRequest.newBuilder(URI.create(args[5]))
            .header("Charset", "UTF-8")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
            .build();
        try {
            HttpResponse<String> response = HttpClient.newBuilder().sslContext(tls).build().send(request, HttpResponse.BodyHandlers.ofString());
            System.out.println(response.statusCode());
            System.out.println(response.body());
        } catch (javax.net.ssl.SSLHandshakeException refused) {
            System.out.println("TLS refused: " + refused.getMessage());
            System.exit(3);
        }
    }
}
