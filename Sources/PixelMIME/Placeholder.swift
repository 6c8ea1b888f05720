// PixelMIME: placeholder until its issue lands; see Package.swift for this module's job.
