# syntax=docker/dockerfile:1
# Build stage: install everything, compile TypeScript to dist/.
# Node 26 is the Active LTS line since October 2026; the code also runs on Node 20, 22 and 24.
FROM node:26-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bin ./bin
COPY scripts/build-if-stale.mjs ./scripts/
RUN npm ci --no-audit --no-fund

# Runtime stage: production dependencies and dist/ only, as a non-root user.
# The PDFs use two of the font package's weights (Noto Sans SC Regular and Bold, ~21 MB): they are
# copied to /app/fonts (with the SIL OFL licence) and the rest of the ~92 MB package is deleted in
# the same layer, so the image never carries it. PDF_FONT_DIR points the renderer there.
FROM node:26-slim
ENV NODE_ENV=production PORT=8080 DATA_DIR=/data PDF_FONT_DIR=/app/fonts CAPTURE_CHROMIUM=/usr/bin/chromium
# Web captures (docs/CAPTURE.md) drive Debian's Chromium; it renders Chinese with the Noto Sans SC
# in /app/fonts through its own fontconfig, so no system CJK font package is needed.
RUN apt-get update \
  && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force \
  && mkdir -p /app/fonts \
  && cp node_modules/@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf \
        node_modules/@expo-google-fonts/noto-sans-sc/700Bold/NotoSansSC_700Bold.ttf /app/fonts/ \
  && cp node_modules/@expo-google-fonts/noto-sans-sc/LICENSE /app/fonts/OFL.txt \
  && rm -rf node_modules/@expo-google-fonts
COPY --from=build /app/dist ./dist
COPY bin ./bin
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/main.js"]
