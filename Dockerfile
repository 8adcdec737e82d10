# Sluice: build the TypeScript, then ship only what runs.
# Node 22, an LTS line (Node 20 left support in April 2026): the newest line .ci/run runs
# the whole test suite on. package.json's engines lists the lines Sluice runs on.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bin ./bin
# `npm ci` runs `prepare`, which compiles src/ into dist/. The prune drops the dev tools and
# the emulator packages (devDependencies here, optional peers of the published package):
# the image runs `sluice start`, which never loads them; `sluice dev` is not for images.
RUN npm ci && npm prune --omit=dev

FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    SLUICE_API_HOST=0.0.0.0 \
    SLUICE_API_PORT=7070
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
USER node
EXPOSE 7070
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.SLUICE_API_PORT||7070)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/sluice.js"]
CMD ["start", "--config", "/app/sluice.config.yaml"]
