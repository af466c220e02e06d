/**
 * The cold-start benchmark's yardstick: GET /api/user the way most Node APIs are written, with Express 5 behind
 * serverless-http, mysql2 and jsonwebtoken, the secrets read from environment variables. It answers the same
 * request, with the same reply, as functions/user/get.ts; it is built with the project's esbuild settings.
 */
import express from 'express';
import jwt from 'jsonwebtoken';
import { createPool, type RowDataPacket } from 'mysql2/promise';
import serverless from 'serverless-http';

const pool = createPool({
  host: process.env.DB_HOST,
  port: Number(process.env.DB_PORT ?? 3306),
  user: process.env.DB_USER,
  password: process.env.DB_PASSWORD,
  database: process.env.DB_NAME,
  connectionLimit: 2,
});

const app = express();
app.use(express.json());

app.get('/api/user', async (req, res) => {
  const token = /^Token (.+)$/.exec(req.get('authorization') ?? '')?.[1];
  let userId: string;
  try {
    userId = (jwt.verify(token ?? '', process.env.JWT_SECRET!, { algorithms: ['HS256'] }) as jwt.JwtPayload)
      .sub!;
  } catch {
    res.status(401).json({ errors: { token: ['is missing or invalid'] } });
    return;
  }
  const [rows] = await pool.query<RowDataPacket[]>(
    'select email, username, bio, image from users where id = ?',
    [userId],
  );
  if (!rows[0]) {
    res.status(401).json({ errors: { token: ['is missing or invalid'] } });
    return;
  }
  res.json({ user: { ...rows[0], token } });
});

export const handler = serverless(app);
