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
USER node
EXPOSE 3000
CMD ["npm", "run", "web"]
