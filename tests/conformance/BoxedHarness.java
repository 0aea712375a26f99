/*
 * Long-lived, in-process driver for the DCC Boxed signing tool (tool.jar from the npm package
 * @smartdcc/duis-sign-wrap), so that Python tests can sign and validate hundreds of DUIS messages
 * through ONE JVM instead of paying ~1 s of JVM start-up per message.
 *
 * Why this is not just a loop around Sign.main_aux / Validate.main_aux: those read the message
 * from a file path, print to System.out, and on a parse error (malformed XML, DOCTYPE/XXE) call
 * Util.load_duis_file_checked, which calls System.exit(2) and would kill this process. So this
 * class re-states the two main_aux flows step by step (same order, same log lines, same result
 * codes, same XML-DSig parameters), but it reuses the jar's own building blocks for everything
 * that matters for conformance:
 *   - Util.create_document_builder_factory()  the jar's hardened parser (namespace aware, DUIS
 *                                             schema attached, element-content whitespace dropped,
 *                                             disallow-doctype-decl, no XInclude, no entity
 *                                             expansion);
 *   - Util.load_schema()                      the bundled "DUIS Schema V5.1.xsd" for the explicit
 *                                             Validator pass done by Util.load_duis_file;
 *   - CertificateLibrary.getInstance()        the bundled test certificates and keys: lookup(eui)
 *                                             and lookup_key(eui) for signing (by the originator
 *                                             EUI of sr:RequestID), lookup(BigInteger serial) for
 *                                             validation (by ds:X509SerialNumber).
 * Result codes are the CLI exit codes: ResultCode.value() (0 ok, 2 generic error, 3 missing
 * key/cert, 10 validation failed), 2 for a message that does not parse (what
 * load_duis_file_checked exits with) and 1 for an unexpected exception (the exit code of a JVM
 * dying with an uncaught exception, which is what the CLI would do).
 *
 * Line protocol (UTF-8, one request line in, one response line out, fields separated by ' '):
 *   SIGN <b64 xml> <1|0 preserve counter> [serial hex]
 *                                           -> OK <b64 signed xml> <b64 log>
 *       Without a serial the certificate and key are looked up by the RequestID originator,
 *       as the CLI does. With one they are looked up by serial in the same library (what the
 *       CLI's explicit [signingcert.pem] [signingkey.key] arguments allow), e.g. to sign an
 *       sr:Response with the DSP key, whose originator EUI is not in its RequestID.
 *   VALIDATE <b64 xml>                      -> OK <b64 stdout of Validate> <b64 log>
 *   BENCH <sign|validate> <n> <warmup> <b64 xml>
 *                                           -> OK <b64 "mean_us median_us min_us"> <b64 log>
 *   CERTS                                   -> OK <b64 TSV: resource businessId serialHex hasKey
 *                                              subject issuer notAfter> <b64 "">
 *   PING                                    -> OK <b64 java.version> <b64 "">
 *   QUIT                                    -> (process exits 0)
 * Any failure                               -> ERR <code> <b64 log>
 * On start-up the process prints "READY <java.version>" once the schema and certificate library
 * are loaded. Anything the jar prints to System.out/System.err while serving a request is
 * captured into that request's log, so it can never corrupt the protocol stream.
 */

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import javax.xml.crypto.dsig.CanonicalizationMethod;
import javax.xml.crypto.dsig.DigestMethod;
import javax.xml.crypto.dsig.Reference;
import javax.xml.crypto.dsig.SignedInfo;
import javax.xml.crypto.dsig.Transform;
import javax.xml.crypto.dsig.XMLSignature;
import javax.xml.crypto.dsig.XMLSignatureFactory;
import javax.xml.crypto.dsig.dom.DOMSignContext;
import javax.xml.crypto.dsig.dom.DOMValidateContext;
import javax.xml.crypto.dsig.keyinfo.KeyInfo;
import javax.xml.crypto.dsig.keyinfo.KeyInfoFactory;
import javax.xml.crypto.dsig.keyinfo.X509Data;
import javax.xml.crypto.dsig.spec.C14NMethodParameterSpec;
import javax.xml.crypto.dsig.spec.TransformParameterSpec;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import uk.co.smartdcc.boxed.xmldsig.CertificateLibrary;
import uk.co.smartdcc.boxed.xmldsig.ResultCode;
import uk.co.smartdcc.boxed.xmldsig.Util;

public final class BoxedHarness {
    private static final String DSIG_NS = "http://www.w3.org/2000/09/xmldsig#";
    private static final String SR_NS = "http://www.dccinterface.co.uk/ServiceUserGateway";
    private static final String ECDSA_SHA256 =
            "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
    /** Exit code of Util.load_duis_file_checked when the message does not parse. */
    private static final int PARSE_FAILURE = 2;
    /** Exit code of a JVM that dies with an uncaught exception (what the CLI would do). */
    private static final int UNCAUGHT = 1;

    private BoxedHarness() {
    }

    /** A CLI exit code plus the reason; thrown where main_aux would return early. */
    private static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;
        final int code;

        Failure(int code) {
            super(null, null, false, false);
            this.code = code;
        }
    }

    /**
     * Parse and XSD-validate like Util.load_duis_file, but from bytes and throwing instead of
     * exiting. The factory and schema are the jar's own, so hardening and schema are identical.
     */
    private static Document load(byte[] xml, PrintStream log) throws Failure {
        Document doc;
        try {
            DocumentBuilderFactory factory = Util.create_document_builder_factory();
            doc = factory.newDocumentBuilder().parse(new ByteArrayInputStream(xml));
        } catch (org.xml.sax.SAXException e) {
            log.println("[E] message file could not parse: " + e.getMessage());
            throw new Failure(PARSE_FAILURE);
        } catch (Exception e) {
            log.println("[E] message file could not be read: " + e);
            throw new Failure(PARSE_FAILURE);
        }
        try {
            Util.load_schema().newValidator().validate(new DOMSource(doc));
        } catch (Exception e) {
            log.println("[I] failed xsd validation: " + e.getMessage());
            throw new Failure(ResultCode.VALIDATION_FAIL.value());
        }
        log.println("[I] passed xsd validation");
        return doc;
    }

    /**
     * Sign.main_aux(message.xml [--preserveCounter]) without the file and System.exit; with a
     * non-null serial the library's certificate and key of that serial are used instead.
     */
    static byte[] sign(byte[] xml, boolean preserveCounter, BigInteger serial, PrintStream log)
            throws Exception {
        Document doc = load(xml, log);
        NodeList signatures = doc.getElementsByTagNameNS(DSIG_NS, "Signature");
        if (signatures.getLength() != 0) {
            log.println("[W] already signed, dropping signature");
            // Same loop as the jar (over a live NodeList), so same behaviour with 2+ signatures.
            for (int i = 0; i < signatures.getLength(); i++) {
                signatures.item(i).getParentNode().removeChild(signatures.item(i));
            }
        }
        Node requestId = doc.getElementsByTagNameNS(SR_NS, "RequestID").item(0);
        if (!preserveCounter) {
            String prefix = requestId.getTextContent().split("[0-9]*$", 2)[0];
            requestId.setTextContent(prefix + System.currentTimeMillis());
        }
        CertificateLibrary library = CertificateLibrary.getInstance();
        X509Certificate cert;
        PrivateKey key;
        if (serial == null) {
            log.println("[W] cert file not provided, looking up from request id");
            String originator = requestId.getTextContent().split(":")[0];
            cert = library.lookup(originator);
            if (cert == null) {
                log.println("[E] could not locate certificate for: " + originator);
                throw new Failure(ResultCode.MISSING_KEY.value());
            }
            log.println("[I] certificate serial number: " + cert.getSerialNumber());
            log.println("[W] private key file not provided, looking up from request id");
            key = library.lookup_key(originator);
            if (key == null) {
                log.println("[E] could not locate private key for: " + originator);
                throw new Failure(ResultCode.MISSING_KEY.value());
            }
        } else {
            cert = library.lookup(serial);
            key = library.lookup_key(serial);
            if (cert == null || key == null) {
                log.println("[E] could not locate certificate and key for serial: " + serial);
                throw new Failure(ResultCode.MISSING_KEY.value());
            }
            log.println("[I] certificate serial number: " + cert.getSerialNumber());
        }
        DOMSignContext context = new DOMSignContext(key, doc.getDocumentElement());
        context.setDefaultNamespacePrefix("ds");
        XMLSignatureFactory factory = XMLSignatureFactory.getInstance("DOM");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            Reference reference = factory.newReference(
                    "",
                    factory.newDigestMethod(DigestMethod.SHA256, null),
                    Collections.singletonList(factory.newTransform(
                            Transform.ENVELOPED, (TransformParameterSpec) null)),
                    null,
                    null);
            SignedInfo signedInfo = factory.newSignedInfo(
                    factory.newCanonicalizationMethod(
                            CanonicalizationMethod.EXCLUSIVE, (C14NMethodParameterSpec) null),
                    factory.newSignatureMethod(ECDSA_SHA256, null),
                    Collections.singletonList(reference));
            KeyInfoFactory keyInfoFactory = factory.getKeyInfoFactory();
            List<Object> x509Content = new ArrayList<>();
            x509Content.add(keyInfoFactory.newX509IssuerSerial(
                    cert.getIssuerX500Principal().getName(), cert.getSerialNumber()));
            X509Data x509Data = keyInfoFactory.newX509Data(x509Content);
            KeyInfo keyInfo = keyInfoFactory.newKeyInfo(Collections.singletonList(x509Data));
            factory.newXMLSignature(signedInfo, keyInfo).sign(context);
            Transformer transformer = TransformerFactory.newInstance().newTransformer();
            transformer.transform(new DOMSource(doc), new StreamResult(out));
        } catch (Exception e) {
            log.println("[E] internal error: " + e.getMessage());
            throw new Failure(ResultCode.GENERIC_ERROR.value());
        }
        return out.toByteArray();
    }

    /** Validate.main_aux(message.xml) without the file and System.exit; returns its stdout. */
    static byte[] validate(byte[] xml, PrintStream log) throws Exception {
        Document doc = load(xml, log);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NodeList signatures = doc.getElementsByTagNameNS(DSIG_NS, "Signature");
        if (signatures.getLength() != 1) {
            NodeList children = doc.getChildNodes();
            if (children.getLength() == 1 && "Response".equals(children.item(0).getLocalName())) {
                // The jar accepts an unsigned sr:Response as valid: reproduce, do not fix.
                log.println("[I] response without signature, validation check skipped");
                try {
                    Transformer transformer = TransformerFactory.newInstance().newTransformer();
                    transformer.setOutputProperty(OutputKeys.INDENT, "yes");
                    transformer.setOutputProperty("{http://xml.apache.org/xslt}indent-amount", "2");
                    transformer.transform(new DOMSource(doc), new StreamResult(out));
                } catch (Exception e) {
                    log.println("[E] internal error");
                    throw new Failure(ResultCode.GENERIC_ERROR.value());
                }
                return out.toByteArray();
            }
            log.println("[W] signature missing, validation check skipped");
            throw new Failure(ResultCode.VALIDATION_FAIL.value());
        }
        log.println("[W] cert file not provided, looking up serial number");
        NodeList serials = doc.getElementsByTagNameNS(DSIG_NS, "X509SerialNumber");
        X509Certificate cert = null;
        if (serials.getLength() >= 1) {
            // Decimal, as the jar parses it; a non-number throws, i.e. "uncaught" like the CLI.
            BigInteger serial = new BigInteger(serials.item(0).getTextContent());
            cert = CertificateLibrary.getInstance().lookup(serial);
        }
        if (cert == null) {
            String serial = serials.getLength() >= 1 ? serials.item(0).getTextContent() : "unknown";
            log.println("[E] could not locate certificate for: " + serial);
            throw new Failure(ResultCode.MISSING_KEY.value());
        }
        PublicKey publicKey = cert.getPublicKey();
        log.println("[I] certificate serial number: " + cert.getSerialNumber());
        DOMValidateContext context = new DOMValidateContext(publicKey, signatures.item(0));
        context.setProperty("javax.xml.crypto.dsig.cacheReference", Boolean.TRUE);
        XMLSignatureFactory factory = XMLSignatureFactory.getInstance("DOM");
        boolean valid;
        try {
            XMLSignature signature = factory.unmarshalXMLSignature(context);
            valid = signature.validate(context);
            if (valid) {
                for (Object reference : signature.getSignedInfo().getReferences()) {
                    try (InputStream digestInput = ((Reference) reference).getDigestInputStream()) {
                        out.write(digestInput.readAllBytes());
                    }
                    out.write('\n');
                }
            }
        } catch (Exception e) {
            log.println("[E] internal error: " + e.getMessage());
            throw new Failure(ResultCode.GENERIC_ERROR.value());
        }
        log.println("[I] " + (valid ? "passed" : "failed") + " signature check");
        if (!valid) {
            throw new Failure(ResultCode.VALIDATION_FAIL.value());
        }
        return out.toByteArray();
    }

    /** One signing or validation pass; the counter is preserved so runs are repeatable. */
    private static byte[] runOnce(String kind, byte[] xml, PrintStream log) throws Exception {
        if ("sign".equals(kind)) {
            return sign(xml, true, null, log);
        }
        if ("validate".equals(kind)) {
            return validate(xml, log);
        }
        log.println("[E] unknown bench kind: " + kind);
        throw new Failure(ResultCode.GENERIC_ERROR.value());
    }

    /** Mean, median and minimum microseconds per operation after a warm-up (JIT) phase. */
    static String bench(String kind, int n, int warmup, byte[] xml, ByteArrayOutputStream logBuf,
                        PrintStream log) throws Exception {
        if (n < 1 || warmup < 0) {
            log.println("[E] bench needs n >= 1 and warmup >= 0");
            throw new Failure(ResultCode.GENERIC_ERROR.value());
        }
        for (int i = 0; i < warmup; i++) {
            logBuf.reset();
            runOnce(kind, xml, log);
        }
        long[] nanos = new long[n];
        for (int i = 0; i < n; i++) {
            logBuf.reset();
            long start = System.nanoTime();
            runOnce(kind, xml, log);
            nanos[i] = System.nanoTime() - start;
        }
        logBuf.reset();
        long total = 0;
        for (long value : nanos) {
            total += value;
        }
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
        return (total / 1000.0 / n) + " " + (median / 1000.0) + " " + (sorted[0] / 1000.0);
    }

    /**
     * The certificates CertificateLibrary actually loads (its private name list, read by
     * reflection) and whether it can find each by serial and has a signing key for it.
     */
    static String certificates() throws Exception {
        Field namesField = CertificateLibrary.class.getDeclaredField("certificate_names");
        namesField.setAccessible(true);
        String[] names = (String[]) namesField.get(null);
        CertificateFactory certFactory = CertificateFactory.getInstance("X.509");
        CertificateLibrary library = CertificateLibrary.getInstance();
        StringBuilder tsv = new StringBuilder();
        for (String name : names) {
            X509Certificate cert;
            try (InputStream in = CertificateLibrary.class.getClassLoader()
                    .getResourceAsStream(name + ".pem")) {
                cert = (X509Certificate) certFactory.generateCertificate(in);
            }
            BigInteger serial = cert.getSerialNumber();
            boolean known = library.lookup(serial) != null;
            if (!known) {
                continue;
            }
            String businessId = "";
            String subject = cert.getSubjectX500Principal().getName();
            String first = subject.split(",")[0];
            if (first.contains("#030900")) {
                businessId = first.split("#030900")[1];
            }
            tsv.append(name).append('\t')
                    .append(businessId).append('\t')
                    .append(serial.toString(16).toUpperCase()).append('\t')
                    .append(library.lookup_key(serial) != null ? "1" : "0").append('\t')
                    .append(subject).append('\t')
                    .append(cert.getIssuerX500Principal().getName()).append('\t')
                    .append(cert.getNotAfter().toInstant()).append('\n');
        }
        return tsv.toString();
    }

    private static String b64(byte[] data) {
        return Base64.getEncoder().encodeToString(data);
    }

    private static String b64(String text) {
        return b64(text.getBytes(StandardCharsets.UTF_8));
    }

    public static void main(String[] args) throws Exception {
        PrintStream protocol = new PrintStream(
                new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        ByteArrayOutputStream logBuf = new ByteArrayOutputStream();
        PrintStream log = new PrintStream(logBuf, true, StandardCharsets.UTF_8);
        // From here on, nothing the jar or the JDK prints can reach the protocol stream.
        System.setOut(log);
        System.setErr(log);
        if (Util.load_schema() == null) {
            protocol.println("FATAL " + b64(logBuf.toByteArray()));
            protocol.flush();
            System.exit(ResultCode.GENERIC_ERROR.value());
        }
        CertificateLibrary.getInstance();
        logBuf.reset();
        protocol.println("READY " + System.getProperty("java.version"));
        protocol.flush();

        Base64.Decoder decoder = Base64.getDecoder();
        BufferedReader in = new BufferedReader(
                new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isEmpty()) {
                continue;
            }
            String[] parts = line.split(" ");
            logBuf.reset();
            String reply;
            try {
                switch (parts[0]) {
                    case "SIGN": {
                        BigInteger serial = parts.length > 3 ? new BigInteger(parts[3], 16) : null;
                        byte[] xml = decoder.decode(parts[1]);
                        reply = b64(sign(xml, "1".equals(parts[2]), serial, log));
                        break;
                    }
                    case "VALIDATE":
                        reply = b64(validate(decoder.decode(parts[1]), log));
                        break;
                    case "BENCH":
                        reply = b64(bench(parts[1], Integer.parseInt(parts[2]),
                                Integer.parseInt(parts[3]), decoder.decode(parts[4]), logBuf, log));
                        break;
                    case "CERTS":
                        reply = b64(certificates());
                        break;
                    case "PING":
                        reply = b64(System.getProperty("java.version"));
                        break;
                    case "QUIT":
                        protocol.flush();
                        return;
                    default:
                        log.println("[E] unknown command: " + parts[0]);
                        throw new Failure(ResultCode.GENERIC_ERROR.value());
                }
                log.flush();
                protocol.println("OK " + reply + " " + b64(logBuf.toByteArray()));
            } catch (Failure failure) {
                log.flush();
                protocol.println("ERR " + failure.code + " " + b64(logBuf.toByteArray()));
            } catch (Exception | StackOverflowError e) {
                log.println("[E] uncaught: " + e);
                log.flush();
                protocol.println("ERR " + UNCAUGHT + " " + b64(logBuf.toByteArray()));
            }
            protocol.flush();
        }
    }
}
