// PixelDKIM: RFC 6376 / RFC 8463 signing over OpenSSL EVP. Placeholder until the DKIM work lands;
// see issue 7.
public enum PixelDKIMModule {}
