/** A user as others see them; `following` is relative to the viewer (false for anonymous viewers). */
export interface Profile {
  username: string;
  bio: string | null;
  image: string | null;
  following: boolean;
}
