# Meridian runs TypeScript directly through tsx; no build step.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts=false && npm cache clean --force
COPY tsconfig.json ./
COPY src ./src
COPY workers ./workers
COPY emails ./emails
# The node user owns its data and outbox folders (the app runs as node, not root).
RUN mkdir -p /app/.data /app/.outbox && chown node:node /app/.data /app/.outbox
USER node
EXPOSE 3000
CMD ["npm", "run", "web"]
