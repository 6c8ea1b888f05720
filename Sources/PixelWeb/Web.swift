// PixelWeb: the HTTP side (gate, withdrawal, preferences, API, metrics). Placeholder until the web
// work lands; see issue 5.
import FlyingFox
public enum PixelWebModule {}
